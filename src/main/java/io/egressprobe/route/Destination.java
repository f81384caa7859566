package io.egressprobe.route;

/**
 * Where the probe's connections go, as the application names it.
 *
 * @param sni the name its TLS connection presents (the sidecar's listeners choose filter chains by it)
 */
public record Destination(String host, int port, String sni) {
    /** A destination whose TLS connection presents its own host name. */
    public Destination(String host, int port) {
        this(host, port, host);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
