package io.egressprobe.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenSSL's own {@code s_server} on a loopback port (Debian's {@code openssl}), requiring a client certificate
 * ({@code -Verify 1}): in TLS 1.2 it refuses a missing one with a plain {@code handshake_failure} alert, as BoringSSL
 * (Envoy) and most appliances do; in TLS 1.3 with {@code certificate_required}; a certificate that fails its
 * verification with the alert the failure maps to ({@code certificate_expired}, {@code unknown_ca}). Stopped by its own
 * handle.
 */
public final class OpenSslServer implements AutoCloseable {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
    private final Process process;
    private final AtomicInteger port = new AtomicInteger();

    private OpenSslServer(Process process) {
        this.process = process;
    }

    /**
     * @param clientCaFile the CA that issues acceptable client certificates, named in the CertificateRequest
     * @param protocol     {@code TLSv1.2} or {@code TLSv1.3}
     */
    public static OpenSslServer start(Path certFile, Path keyFile, Path clientCaFile, String protocol) throws IOException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-www",
                "-cert", certFile.toString(), "-key", keyFile.toString(), "-CAfile", clientCaFile.toString(), "-Verify", "1",
                // s_server's own verify callback lets a client certificate that fails verification through without it
                "-verify_return_error", protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2"));
        OpenSslServer server = new OpenSslServer(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start());
        Thread reader = new Thread(server::drain, "s_server-output");
        reader.setDaemon(true);
        reader.start();
        await("openssl s_server listens").atMost(Duration.ofSeconds(20)).until(() -> server.port.get() > 0 || !server.process.isAlive());
        if (server.port.get() == 0) {
            throw new IOException("openssl s_server did not start: exit " + server.process.exitValue());
        }
        return server;
    }

    public int port() {
        return port.get();
    }

    private void drain() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                Matcher m = ACCEPT.matcher(line);
                if (m.find()) {
                    port.set(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            // stopped
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
