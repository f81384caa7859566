package io.egressprobe.config;

import java.util.Set;

/** An optional HTTP GET sent over the probe's own connection after the handshake. */
public record HttpCheck(String path, Set<Integer> expectStatus) {
    public static final Set<Integer> DEFAULT_STATUS = Set.of(200);

    public HttpCheck {
        expectStatus = Set.copyOf(expectStatus);
    }
}
