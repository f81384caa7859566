package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** The jar users run carries the native libraries of both Linux node architectures the image is built for. */
class NativeLibrariesIT {
    @Test
    void shouldCarryBoringSslAndEpollForX86AndArm64() throws IOException {
        try (ZipFile jar = new ZipFile(Path.of("target/egress-probe.jar").toFile())) {
            List<String> natives = jar.stream().map(ZipEntry::getName).filter(n -> n.startsWith("META-INF/native/")).toList();

            assertThat(natives).contains(
                    "META-INF/native/libnetty_tcnative_linux_x86_64.so",
                    "META-INF/native/libnetty_tcnative_linux_aarch_64.so",
                    "META-INF/native/libnetty_transport_native_epoll_x86_64.so",
                    "META-INF/native/libnetty_transport_native_epoll_aarch_64.so");
            assertThat(natives).as("no other platform's").noneMatch(n -> n.contains("osx") || n.contains("windows"));
        }
    }
}
