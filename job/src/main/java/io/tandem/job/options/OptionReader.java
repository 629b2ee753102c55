package io.tandem.job.options;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Reads Tandem's options from a Flink configuration. A value that does not parse or is out of range
 * fails with a message naming the key, the value and what was expected, such as {@code
 * "tandem.chunk-size: '0' is not a whole number of 1 or more; expected e.g. 256"}: the command line
 * turns the key back into the flag the user typed.
 */
public final class OptionReader {
    private final Configuration config;

    public OptionReader(Configuration config) {
        this.config = config;
    }

    public boolean isSet(ConfigOption<?> option) {
        return config.contains(option);
    }

    /** The value, or its default; a blank value counts as not set. */
    public Optional<String> string(ConfigOption<String> option) {
        return Optional.ofNullable(raw(option)).map(String::strip).filter(v -> !v.isEmpty());
    }

    /** A whole number of at least {@code min}; {@code example} shows a good one. */
    public int intAtLeast(ConfigOption<Integer> option, int min, String example) {
        return optionalInt(option, min, example)
                .orElseThrow(() -> new IllegalArgumentException(option.key() + " is not set"));
    }

    /** A whole number of at least {@code min} when set. */
    public Optional<Integer> optionalInt(ConfigOption<Integer> option, int min, String example) {
        String value = raw(option);
        if (value == null) {
            return Optional.empty();
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min) {
                return Optional.of(parsed);
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        String range =
                min == Integer.MIN_VALUE
                        ? "a whole number"
                        : "a whole number of " + min + " or more";
        throw invalid(option, value, range, "e.g. " + example);
    }

    /** A duration of at least {@code min}, such as {@code 50ms} or {@code 1s}. */
    public Duration duration(ConfigOption<Duration> option, Duration min) {
        String value = raw(option);
        try {
            Duration parsed = config.get(option);
            if (parsed.compareTo(min) >= 0) {
                return parsed;
            }
        } catch (IllegalArgumentException notADuration) {
            // reported below
        }
        String noun =
                min.isZero() ? "a duration" : "a duration of " + min.toMillis() + " ms or more";
        throw invalid(option, value, noun, "e.g. 50ms or 1s");
    }

    /** A number in {@code (above, atMost]}. */
    public double doubleIn(ConfigOption<Double> option, double above, double atMost) {
        String value = raw(option);
        try {
            double parsed = Double.parseDouble(value.strip());
            if (parsed > above && parsed <= atMost) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw invalid(
                option,
                value,
                "a number above " + above + " and at most " + atMost,
                "e.g. " + option.defaultValue());
    }

    public boolean bool(ConfigOption<Boolean> option) {
        String value = raw(option);
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(option, value, "a boolean", "true or false");
        };
    }

    /** An enum constant, in any case, with '-' for '_': {@code exactly-once} = EXACTLY_ONCE. */
    public <E extends Enum<E>> E enumValue(ConfigOption<E> option, Class<E> type) {
        String value = raw(option);
        String name = value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(name)) {
                return constant;
            }
        }
        throw invalid(
                option,
                value,
                "one of "
                        + Arrays.stream(type.getEnumConstants())
                                .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                                .collect(Collectors.joining(", ")),
                null);
    }

    /** A list of whole numbers, separated by ',' or ';' (Flink's list separator). */
    public Optional<List<Integer>> intList(ConfigOption<List<Integer>> option, String example) {
        String value = raw(option);
        if (value == null) {
            return Optional.empty();
        }
        List<Integer> indices = new ArrayList<>();
        try {
            for (String part : value.split("[,;]", -1)) {
                indices.add(Integer.parseInt(part.strip()));
            }
            return Optional.of(List.copyOf(indices));
        } catch (NumberFormatException notANumber) {
            throw invalid(option, value, "a list of whole numbers", "e.g. " + example);
        }
    }

    /**
     * Parses with {@code parser}, whose {@link IllegalArgumentException} message (the value and
     * what was expected) gets the key in front.
     */
    public <T> T parsed(ConfigOption<String> option, Function<String, T> parser) {
        try {
            return parser.apply(raw(option));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option.key() + ": " + e.getMessage(), e);
        }
    }

    /** The value as text (the default when not set), or null. */
    private String raw(ConfigOption<?> option) {
        String set = config.get(ConfigOptions.key(option.key()).stringType().noDefaultValue());
        if (set != null) {
            return set;
        }
        return option.hasDefaultValue() ? String.valueOf(option.defaultValue()) : null;
    }

    public static IllegalArgumentException invalid(
            ConfigOption<?> option, String value, String noun, String expected) {
        return new IllegalArgumentException(
                option.key()
                        + ": '"
                        + value
                        + "' is not "
                        + noun
                        + (expected == null ? "" : "; expected " + expected));
    }
}
