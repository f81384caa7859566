package io.egressprobe.route;

/** Where the probe's connections go, as the application names it. */
public record Destination(String host, int port) {
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
