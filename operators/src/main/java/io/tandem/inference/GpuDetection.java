package io.tandem.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The NVIDIA GPUs this process may use, as CUDA device ordinals (what ONNX Runtime's CUDA provider
 * takes). GPUs are listed by {@code nvidia-smi -L}, or else found as the folders of {@code
 * /proc/driver/nvidia/gpus} (one per GPU, named by PCI bus id, which is the order nvidia-smi
 * numbers them in). {@code CUDA_VISIBLE_DEVICES} then selects among them, as CUDA does: by index or
 * UUID, in the listed order, up to the first entry that names no GPU; CUDA renumbers what is left
 * from 0.
 *
 * <p>The file system root, the environment and the command runner are injectable, so tests can
 * simulate a GPU host (as {@code CpuBudget} does for the CPU budget).
 */
public final class GpuDetection {

    /** Runs a command and returns its standard output lines; throws when it cannot or fails. */
    @FunctionalInterface
    public interface CommandRunner {
        List<String> run(List<String> command) throws IOException, InterruptedException;
    }

    public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";
    static final List<String> NVIDIA_SMI = List.of("nvidia-smi", "-L");
    private static final Pattern NVIDIA_SMI_LINE =
            Pattern.compile("^GPU (\\d+): (.*?)(?: \\(UUID: ([^)]+)\\))?$");

    /** One physical GPU: its nvidia-smi index, name and UUID (empty when unknown). */
    record Gpu(int index, String name, String uuid) {}

    private final List<Integer> devices;
    private final String description;

    private GpuDetection(List<Integer> devices, String description) {
        this.devices = List.copyOf(devices);
        this.description = description;
    }

    /** The GPUs of this host, from the real {@code nvidia-smi}, {@code /proc} and environment. */
    public static GpuDetection detect() {
        return detect(Path.of("/"), System.getenv(), GpuDetection::runCommand);
    }

    /**
     * The GPUs read under {@code root} (which stands for {@code /}), with {@code environment} and
     * {@code commands} standing for the process environment and for running {@code nvidia-smi}.
     */
    public static GpuDetection detect(
            Path root, Map<String, String> environment, CommandRunner commands) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(commands, "commands");
        String source;
        List<Gpu> gpus;
        String nvidiaSmiProblem;
        try {
            gpus = parseNvidiaSmi(commands.run(NVIDIA_SMI));
            source = "nvidia-smi -L";
            nvidiaSmiProblem = gpus.isEmpty() ? "lists no GPU" : null;
        } catch (IOException e) {
            gpus = List.of();
            source = null;
            nvidiaSmiProblem = "unavailable (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gpus = List.of();
            source = null;
            nvidiaSmiProblem = "interrupted";
        }
        if (gpus.isEmpty()) {
            gpus = procGpus(root);
            source = gpus.isEmpty() ? null : "/proc/driver/nvidia/gpus";
        }
        if (gpus.isEmpty()) {
            return new GpuDetection(
                    List.of(),
                    "no NVIDIA GPU found (nvidia-smi -L "
                            + nvidiaSmiProblem
                            + ", no /proc/driver/nvidia/gpus entries)");
        }
        String found = gpus.size() + (gpus.size() == 1 ? " NVIDIA GPU" : " NVIDIA GPUs");
        String listed =
                gpus.stream()
                        .map(g -> g.index() + (g.name().isEmpty() ? "" : " " + g.name()))
                        .collect(Collectors.joining(", "));
        String visible = environment.get(CUDA_VISIBLE_DEVICES);
        if (visible == null) {
            List<Integer> ordinals = ordinals(gpus.size());
            return new GpuDetection(
                    ordinals,
                    found + " (" + source + ": " + listed + "), CUDA devices " + ordinals);
        }
        List<Gpu> selected = selectVisible(gpus, visible);
        String setting = CUDA_VISIBLE_DEVICES + "='" + visible + "'";
        if (selected.isEmpty()) {
            return new GpuDetection(
                    List.of(),
                    found + " (" + source + ": " + listed + "), none visible with " + setting);
        }
        List<Integer> ordinals = ordinals(selected.size());
        return new GpuDetection(
                ordinals,
                found
                        + " ("
                        + source
                        + ": "
                        + listed
                        + "), "
                        + setting
                        + " leaves GPUs "
                        + selected.stream().map(Gpu::index).toList()
                        + " as CUDA devices "
                        + ordinals);
    }

    /** The CUDA device ordinals to bind: 0 to (visible GPUs - 1); empty without a GPU. */
    public List<Integer> devices() {
        return devices;
    }

    public boolean found() {
        return !devices.isEmpty();
    }

    /** What was found and where, for one log line. */
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return "GpuDetection{" + description + "}";
    }

    static List<Gpu> parseNvidiaSmi(List<String> lines) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : lines) {
            Matcher m = NVIDIA_SMI_LINE.matcher(line.trim());
            if (m.matches()) {
                gpus.add(
                        new Gpu(
                                Integer.parseInt(m.group(1)),
                                m.group(2).trim(),
                                m.group(3) == null ? "" : m.group(3).trim()));
            }
            // MIG device lines ("  MIG 1g.5gb Device 0: ...") belong to the GPU above them.
        }
        return gpus;
    }

    /** One GPU per folder of {@code /proc/driver/nvidia/gpus}, numbered in PCI bus id order. */
    private static List<Gpu> procGpus(Path root) {
        Path dir = root.resolve("proc/driver/nvidia/gpus");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> busIds = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            entries.forEach(entry -> busIds.add(entry.getFileName().toString()));
        } catch (IOException unreadable) {
            return List.of();
        }
        busIds.sort(String::compareToIgnoreCase);
        List<Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < busIds.size(); i++) {
            gpus.add(new Gpu(i, "at PCI " + busIds.get(i), ""));
        }
        return gpus;
    }

    /**
     * The GPUs that {@code CUDA_VISIBLE_DEVICES} leaves, in its order. As CUDA does, the list ends
     * at the first entry that names no GPU (so "-1" or "" hides them all), and a GPU named twice
     * ends it too.
     */
    static List<Gpu> selectVisible(List<Gpu> gpus, String visible) {
        List<Gpu> selected = new ArrayList<>();
        for (String raw : visible.split(",", -1)) {
            String entry = raw.trim();
            Gpu match = null;
            if (entry.matches("\\d+")) {
                int index = Integer.parseInt(entry);
                match = gpus.stream().filter(g -> g.index() == index).findFirst().orElse(null);
            } else if (entry.startsWith("GPU-")) {
                match =
                        gpus.stream()
                                .filter(g -> !g.uuid().isEmpty() && g.uuid().startsWith(entry))
                                .findFirst()
                                .orElse(null);
            }
            if (match == null || selected.contains(match)) {
                break;
            }
            selected.add(match);
        }
        return selected;
    }

    private static List<Integer> ordinals(int count) {
        List<Integer> ordinals = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ordinals.add(i);
        }
        return ordinals;
    }

    /** Runs {@code command} with a timeout; a missing binary or a non-zero exit is an error. */
    private static List<String> runCommand(List<String> command)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            byte[] bytes = out.readNBytes(1 << 20);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish in 10 s");
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(
                        String.join(" ", command)
                                + " exited with code "
                                + process.exitValue()
                                + ": "
                                + text.strip());
            }
            return text.lines().toList();
        } finally {
            process.destroyForcibly();
        }
    }
}
