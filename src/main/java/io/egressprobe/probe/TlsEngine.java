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

    /** Which engine and why, for the start log: the library and the platform, or why BoringSSL did not load. */
    public String why() {
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        if (this == OPENSSL) {
            String arch = System.getProperty("os.arch");
            return OpenSsl.versionString() + " on " + platform + " (netty-tcnative's linux-"
                    + (arch.equals("amd64") ? "x86_64" : arch.equals("aarch64") ? "aarch_64" : arch) + " library)";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return "BoringSSL did not load on " + platform + (cause == null ? "" : " (" + cause.getMessage() + ")")
                + ": the JDK's TLS, 2-3x the CPU per handshake";
    }

    boolean isOpenSsl() {
        return this == OPENSSL;
    }

    public String label() {
        return this == OPENSSL ? "openssl" : "jdk";
    }
}
