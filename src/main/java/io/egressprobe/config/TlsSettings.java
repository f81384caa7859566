package io.egressprobe.config;

import java.nio.file.Path;
import java.util.Optional;

/** Certificate verification is on unless a target turns it off explicitly. */
public record TlsSettings(boolean verify, Optional<Path> caFile) {
    public static final TlsSettings DEFAULT = new TlsSettings(true, Optional.empty());
}
