package io.tandem.job.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;

/**
 * The clinical-lengths figures of {@code tandem bench} on their own ({@link
 * Bench#runClinicalLengths}), without the rest of the run: {@code ClinicalLengthsBenchmark
 * [quick|full]}.
 */
public final class ClinicalLengthsBenchmark {
    private ClinicalLengthsBenchmark() {}

    public static void main(String[] args) throws Exception {
        BenchSettings settings =
                args.length > 0 && args[0].equals("full")
                        ? BenchSettings.full()
                        : BenchSettings.quick();
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, Object> report = new Bench(settings, System.out).runClinicalLengths();
        System.out.printf(
                Locale.ROOT,
                "settings: %s, load average at the start: %.2f, at the end: %.2f%n",
                settings.name(),
                loadBefore,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        report.forEach((key, value) -> System.out.printf(Locale.ROOT, "%s: %s%n", key, value));
        System.exit(0);
    }
}
