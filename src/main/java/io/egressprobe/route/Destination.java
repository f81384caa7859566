package io.egressprobe.route;

/**
 * Where the probe's connections go, as the application names it.
 *
 * @param sni         the name its TLS connection presents (the sidecar's listeners choose filter chains by it)
 * @param requestPath the path of the probe's HTTP request (a sidecar's HTTP routes choose by it), {@code /} without one
 */
public record Destination(String host, int port, String sni, String requestPath) {
    /** A destination whose TLS connection presents its own host name. */
    public Destination(String host, int port) {
        this(host, port, host);
    }

    public Destination(String host, int port, String sni) {
        this(host, port, sni, "/");
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
