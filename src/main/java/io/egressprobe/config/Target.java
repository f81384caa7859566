package io.egressprobe.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A host to probe, from the config file (its settings merged over {@code defaults}) or from discovery, with every
 * setting resolved.
 *
 * @param callers the namespaces whose applications call the host: the route and timeout are resolved for a sidecar in
 *                each as Istio resolves them there, and the target is judged against the tightest; empty, the probe's
 *                own namespace's view (its own sidecar's)
 */
public record Target(
        String name,
        String host,
        int port,
        String sni,
        TlsSettings tls,
        Optional<HttpCheck> http,
        ProbeSettings settings,
        Map<String, String> labels,
        List<String> callers) {

    public Target {
        labels = Map.copyOf(labels);
        callers = List.copyOf(callers);
    }

    public Target(String name, String host, int port, String sni, TlsSettings tls, Optional<HttpCheck> http,
                  ProbeSettings settings, Map<String, String> labels) {
        this(name, host, port, sni, tls, http, settings, labels, List.of());
    }

    /**
     * Whether two versions of a target measure the same thing, so that samples of the old one still
     * describe the new one (a changed threshold or timeout keeps the window; a changed host does not,
     * nor a changed window or interval, from which the window's fixed size is derived).
     */
    public boolean measuresSameAs(Target other) {
        return host.equals(other.host) && port == other.port && sni.equals(other.sni) && tls.equals(other.tls)
                && http.equals(other.http) && settings.window().equals(other.settings.window())
                && settings.interval().equals(other.settings.interval());
    }
}
