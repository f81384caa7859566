package io.egressprobe.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Secret volume as the kubelet writes it, after Kubernetes' {@code AtomicWriter.Write}
 * ({@code pkg/volume/util/atomic_writer.go}): the files live in a timestamped directory {@code ..2026_12_06_03_04_05.N};
 * {@code ..data} is a symlink to it; each visible file ({@code tls.crt}) is a symlink {@code ..data/tls.crt}. An update
 * writes a new timestamped directory (steps 5, 6), points a new symlink {@code ..data_tmp} at it (8), renames that over
 * {@code ..data}: the one atomic step (9), and removes the old directory (11). Never an in-place rewrite.
 */
public final class SecretVolume {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.");
    private final Path dir;
    private int version;

    public SecretVolume(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Projects {@code files} (name → content) as one atomic update. */
    public void write(Map<String, String> files) throws IOException {
        Path data = dir.resolve("..data");
        Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
        Path stamped = Files.createDirectory(dir.resolve(STAMP.format(ZonedDateTime.now(ZoneOffset.UTC)) + version++)); // (5)
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(stamped.resolve(f.getKey()), f.getValue()); // (6)
            Path visible = dir.resolve(f.getKey());
            if (!Files.isSymbolicLink(visible)) {
                Files.createSymbolicLink(visible, Path.of("..data", f.getKey())); // (7)
            }
        }
        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), stamped.getFileName()); // (8)
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE); // (9): rename(2) over the old link
        if (old != null) { // (11)
            try (Stream<Path> walk = Files.walk(old)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
