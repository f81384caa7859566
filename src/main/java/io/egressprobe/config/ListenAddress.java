package io.egressprobe.config;

/** The {@code host:port} the HTTP endpoints bind to. */
public record ListenAddress(String host, int port) {
    public static final ListenAddress DEFAULT = new ListenAddress("0.0.0.0", 9478);

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
