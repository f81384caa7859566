package io.egressprobe.http;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The status page at {@code /}: one self-contained HTML file in the jar, read once. */
final class StatusPage {
    private static final Buffer HTML = load();

    private StatusPage() {}

    static Buffer html() {
        return HTML;
    }

    private static Buffer load() {
        try (InputStream in = StatusPage.class.getResourceAsStream("/status/index.html")) {
            if (in == null) {
                throw new IllegalStateException("status page missing from the jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
