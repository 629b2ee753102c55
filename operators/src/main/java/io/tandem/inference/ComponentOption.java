package io.tandem.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Reads a component's option that names one constant of an enum, as configurations spell it. */
public final class ComponentOption {
    private ComponentOption() {}

    /**
     * The constant whose lower-case name is {@code value}.
     *
     * @param option what the value chooses, for the message ({@code aggregation}, {@code pooling})
     * @throws IllegalArgumentException naming the value and the names expected, for example {@code
     *     Unknown pooling 'max'; expected mean or cls}
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
        E[] constants = type.getEnumConstants();
        for (E constant : constants) {
            if (key(constant).equals(value)) {
                return constant;
            }
        }
        List<String> keys = Arrays.stream(constants).map(ComponentOption::key).toList();
        throw new IllegalArgumentException(
                "Unknown "
                        + option
                        + " '"
                        + value
                        + "'; expected "
                        + String.join(", ", keys.subList(0, keys.size() - 1))
                        + " or "
                        + keys.get(keys.size() - 1));
    }

    /** How configurations spell a constant: its name in lower case. */
    public static String key(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}
