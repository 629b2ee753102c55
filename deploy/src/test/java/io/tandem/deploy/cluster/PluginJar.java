package io.tandem.deploy.cluster;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Writes a Flink plugin jar: the compiled classes of one package and a {@code META-INF/services}
 * entry, which is all Flink's {@code PluginManager} looks for in {@code plugins/<name>/*.jar}.
 */
public final class PluginJar {
    private PluginJar() {}

    /**
     * Packs every class of {@code implementation}'s package (nested and helper classes included)
     * into {@code jar}, registered as a service provider of {@code service}.
     */
    public static Path write(Path jar, Class<?> service, Class<?> implementation)
            throws IOException {
        Path classesRoot = classesRootOf(implementation);
        String packagePath = implementation.getPackageName().replace('.', '/');
        Path packageDir = classesRoot.resolve(packagePath);
        List<Path> classFiles;
        try (Stream<Path> files = Files.list(packageDir)) {
            classFiles = files.filter(f -> f.toString().endsWith(".class")).sorted().toList();
        }
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path classFile : classFiles) {
                out.putNextEntry(new JarEntry(packagePath + "/" + classFile.getFileName()));
                Files.copy(classFile, out);
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + service.getName()));
            out.write((implementation.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static Path classesRootOf(Class<?> type) {
        try {
            Path root = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isDirectory(root)) {
                throw new IllegalStateException(
                        type.getName() + " was loaded from " + root + ", expected a class folder");
            }
            return root;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Cannot locate the classes of " + type.getName(), e);
        }
    }
}
