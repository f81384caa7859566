package io.egressprobe.probe;

import io.netty.handler.ssl.OpenSsl;

/**
 * The TLS implementation the prober uses: BoringSSL through netty-tcnative where it loads (a full
 * handshake costs 2-3x less CPU, and the daemon runs on every node), the JDK's otherwise.
 */
public enum TlsEngine {
    OPENSSL, JDK;

    public static TlsEngine best() {
        return OpenSsl.isAvailable() ? OPENSSL : JDK;
    }

    boolean isOpenSsl() {
        return this == OPENSSL;
    }

    public String label() {
        return this == OPENSSL ? "openssl" : "jdk";
    }
}
