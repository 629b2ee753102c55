package io.tandem.deploy.config;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.EventOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.ResourceManagerOptions;
import org.apache.flink.configuration.TraceOptions;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * The configuration keys Flink knows, taken from Flink itself: every public static {@link
 * ConfigOption} of the {@code *Options} classes on the classpath (Flink's, and Tandem's, such as
 * {@code io.tandem.batching.BatchingOptions}), their fallback keys, keys with placeholders such as
 * {@code external-resource.<resource_name>.amount}, and the documented key families whose names the
 * user chooses ({@code metrics.reporter.<name>.*}, {@code
 * containerized.taskmanager.env.<VARIABLE>}, ...). Deprecated keys are reported with their
 * replacement, and values are parsed with the option's type.
 */
public final class FlinkConfigKeys {
    private static final Pattern PLACEHOLDER = Pattern.compile("<[^>]+>");
    private static final List<String> SCANNED_PACKAGES = List.of("org/apache/flink/", "io/tandem/");

    /** Documented families of keys: a fixed prefix, a name the user picks, then anything. */
    private static final List<String> KEY_FAMILIES =
            List.of(
                    ConfigConstants.METRICS_REPORTER_PREFIX + "<name>.<option>",
                    ConfigConstants.TRACES_REPORTER_PREFIX + "<name>.<option>",
                    ConfigConstants.EVENTS_REPORTER_PREFIX + "<name>.<option>",
                    ResourceManagerOptions.CONTAINERIZED_MASTER_ENV_PREFIX + "<variable>",
                    ResourceManagerOptions.CONTAINERIZED_TASK_MANAGER_ENV_PREFIX + "<variable>");

    /**
     * Reporter options are declared relative to {@code <prefix><name>.} (for example {@code
     * factory.class}): they are covered by {@link #KEY_FAMILIES}, not keys of their own.
     */
    private static final Map<Class<?>, String> RELATIVE_OPTION_HOLDERS =
            Map.of(
                    MetricOptions.class, "metrics.",
                    TraceOptions.class, "traces.",
                    EventOptions.class, "events.");

    /**
     * Keys of modules this check does not load, longest prefix first: a pointer instead of
     * "unknown".
     */
    private static final Map<String, String> NOT_CHECKED_HERE = notCheckedHere();

    private static Map<String, String> notCheckedHere() {
        Map<String, String> modules = new LinkedHashMap<>();
        modules.put(
                "kubernetes.operator.",
                "a Flink Kubernetes Operator option, not a Flink one: this check cannot vouch for"
                        + " it, so keep it out of deploy/ or extend the check");
        modules.put(
                "kubernetes.",
                "an option of flink-kubernetes, which is not on this check's classpath: add"
                        + " flink-kubernetes to deploy/pom.xml (test scope) to check its keys");
        modules.put(
                "yarn.",
                "an option of flink-yarn, which is not on this check's classpath: add flink-yarn"
                        + " to deploy/pom.xml (test scope) to check its keys");
        return modules;
    }

    private final Map<String, ConfigOption<?>> options;
    private final Map<String, String> deprecatedKeys;
    private final Map<Pattern, String> keyPatterns;
    private final List<String> optionClasses;

    private FlinkConfigKeys(
            Map<String, ConfigOption<?>> options,
            Map<String, String> deprecatedKeys,
            Map<Pattern, String> keyPatterns,
            List<String> optionClasses) {
        this.options = options;
        this.deprecatedKeys = deprecatedKeys;
        this.keyPatterns = keyPatterns;
        this.optionClasses = optionClasses;
    }

    /** Collects the options of every {@code *Options} class on this JVM's classpath. */
    public static FlinkConfigKeys fromClasspath() {
        Map<String, ConfigOption<?>> options = new TreeMap<>();
        Map<String, String> deprecated = new TreeMap<>();
        Map<Pattern, String> patterns = new LinkedHashMap<>();
        List<String> classes = new ArrayList<>();
        for (String className : optionClassNames()) {
            Class<?> holder;
            try {
                holder = Class.forName(className, true, FlinkConfigKeys.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // An *Options class whose optional dependencies are missing declares nothing
                // the cluster could use either.
                continue;
            }
            List<ConfigOption<?>> declared = publicStaticOptions(holder);
            if (declared.isEmpty()) {
                continue;
            }
            classes.add(className);
            String relativeTo = RELATIVE_OPTION_HOLDERS.get(holder);
            for (ConfigOption<?> option : declared) {
                if (relativeTo != null && !option.key().startsWith(relativeTo)) {
                    continue;
                }
                if (PLACEHOLDER.matcher(option.key()).find()) {
                    patterns.put(patternOf(option.key()), option.key());
                    continue;
                }
                options.put(option.key(), option);
                for (FallbackKey fallback : option.fallbackKeys()) {
                    if (fallback.isDeprecated()) {
                        deprecated.put(fallback.getKey(), option.key());
                    } else {
                        options.putIfAbsent(fallback.getKey(), option);
                    }
                }
            }
        }
        for (String family : KEY_FAMILIES) {
            patterns.put(patternOf(family), family);
        }
        deprecated.keySet().removeAll(options.keySet());
        return new FlinkConfigKeys(options, deprecated, patterns, classes);
    }

    /** Every problem with one entry; empty when Flink knows the key and accepts the value. */
    public List<String> problems(String key, Object value) {
        ConfigOption<?> option = options.get(key);
        if (option != null) {
            return invalidValue(key, option, value).map(List::of).orElse(List.of());
        }
        String replacement = deprecatedKeys.get(key);
        if (replacement != null) {
            return List.of("key '" + key + "' is deprecated: use '" + replacement + "'");
        }
        for (Pattern pattern : keyPatterns.keySet()) {
            if (pattern.matcher(key).matches()) {
                return List.of();
            }
        }
        for (Map.Entry<String, String> module : NOT_CHECKED_HERE.entrySet()) {
            if (key.startsWith(module.getKey())) {
                return List.of("key '" + key + "' is " + module.getValue());
            }
        }
        return List.of("unknown key '" + key + "'" + suggestion(key));
    }

    /** Whether Flink has an option (or a fallback key) of exactly this name. */
    public boolean knows(String key) {
        return options.containsKey(key);
    }

    public int optionCount() {
        return options.size();
    }

    public List<String> optionClasses() {
        return optionClasses;
    }

    /** The key families and placeholder keys accepted, e.g. {@code metrics.reporter.<name>.*}. */
    public List<String> keyPatterns() {
        return List.copyOf(keyPatterns.values());
    }

    private static Optional<String> invalidValue(String key, ConfigOption<?> option, Object value) {
        String text =
                value instanceof List<?> list
                        ? YamlParserUtils.toYAMLString(list)
                        : String.valueOf(value);
        try {
            Configuration.fromMap(Map.of(key, text)).get(option);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(
                    "value '" + text + "' of key '" + key + "' is invalid: " + e.getMessage());
        }
    }

    private String suggestion(String key) {
        return options.keySet().stream()
                .map(known -> Map.entry(known, editDistance(key, known)))
                .filter(candidate -> candidate.getValue() <= Math.max(2, key.length() / 6))
                .min(Comparator.comparingInt(Map.Entry<String, Integer>::getValue))
                .map(candidate -> " (did you mean '" + candidate.getKey() + "'?)")
                .orElse("");
    }

    private static List<ConfigOption<?>> publicStaticOptions(Class<?> holder) {
        List<ConfigOption<?>> declared = new ArrayList<>();
        for (Field field : holder.getFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers)
                    && ConfigOption.class.isAssignableFrom(field.getType())) {
                try {
                    declared.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("Cannot read " + field, e);
                }
            }
        }
        return declared;
    }

    /** Names of the top-level {@code *Options} classes in the scanned packages of the classpath. */
    private static List<String> optionClassNames() {
        TreeSet<String> names = new TreeSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            try {
                if (Files.isDirectory(path)) {
                    try (Stream<Path> files = Files.walk(path)) {
                        files.map(file -> path.relativize(file).toString().replace('\\', '/'))
                                .filter(FlinkConfigKeys::isOptionClass)
                                .forEach(name -> names.add(className(name)));
                    }
                } else if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
                    try (JarFile jar = new JarFile(path.toFile())) {
                        jar.stream()
                                .map(jarEntry -> jarEntry.getName())
                                .filter(FlinkConfigKeys::isOptionClass)
                                .forEach(name -> names.add(className(name)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + path, e);
            }
        }
        return List.copyOf(names);
    }

    private static boolean isOptionClass(String path) {
        return path.endsWith("Options.class")
                && !path.contains("$")
                && !path.startsWith("META-INF/")
                && SCANNED_PACKAGES.stream().anyMatch(path::startsWith);
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.');
    }

    /** {@code <name>} matches one dotted segment; a final placeholder matches the rest. */
    static Pattern patternOf(String key) {
        StringBuilder regex = new StringBuilder();
        Matcher placeholder = PLACEHOLDER.matcher(key);
        int last = 0;
        while (placeholder.find()) {
            regex.append(Pattern.quote(key.substring(last, placeholder.start())));
            regex.append(placeholder.end() == key.length() ? ".+" : "[^.]+");
            last = placeholder.end();
        }
        regex.append(Pattern.quote(key.substring(last)));
        return Pattern.compile(regex.toString());
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] =
                        Math.min(
                                Math.min(current[j - 1] + 1, previous[j] + 1),
                                previous[j - 1] + substitution);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
