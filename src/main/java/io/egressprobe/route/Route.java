package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.HopCut;
import io.egressprobe.measure.Measurement;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hops a target's connections take, each with its connect timeout. Each hop's timeout bounds that hop's own
 * upstream connect only: Envoy arms a cluster's {@code connect_timeout} for each connection its pool opens upstream
 * and for nothing before it (envoyproxy/envoy {@code source/common/conn_pool/conn_pool_base.cc},
 * {@code ActiveClient::ActiveClient} arms {@code connect_timer_} with the cluster's {@code connectTimeout()}). The
 * external connect is therefore cut only by the hop that dials the host, the last one: its timeout is the target's,
 * which the statistics and alerts compare with. The legs before it (the sidecar to an egress gateway) are in-cluster
 * connects with timeouts of their own, judged on their own measurement where one exists (the sidecar's stats for its
 * cluster).
 */
public record Route(List<Hop> hops, Optional<RouteFault> fault, List<String> notes) {
    public Route {
        if (hops.stream().noneMatch(Hop::timeoutKnown)) {
            throw new IllegalArgumentException("a route has at least one hop whose timeout is known");
        }
        hops = List.copyOf(hops);
        notes = List.copyOf(notes);
    }

    /** A route of one sidecar hop with {@code timeout}: what a caller that knows only a timeout means. */
    public static Route single(EffectiveTimeout timeout) {
        return new Route(List.of(new Hop(HopRef.of(HopKind.SIDECAR, ""), timeout, Optional.empty(), false)),
                Optional.empty(), List.of());
    }

    /**
     * The hop that dials the host: the last. Its timeout alone cuts the external connect. Where nothing can know that
     * hop's timeout (a forward proxy the sidecar tunnels through), the last hop whose timeout is known stands in, and
     * the route's notes say the external connect's own limit is not known.
     */
    public Hop limit() {
        for (int i = hops.size() - 1; i >= 0; i--) {
            if (hops.get(i).timeoutKnown()) {
                return hops.get(i);
            }
        }
        throw new IllegalStateException("a route has at least one hop whose timeout is known");
    }

    public EffectiveTimeout timeout() {
        return limit().timeout();
    }

    /** What {@code hop}'s timeout bounds, in words: the external connect, or its in-cluster leg to the next hop. */
    public String role(Hop hop) {
        int at = hops.indexOf(hop);
        if (at == hops.size() - 1) {
            return hop.timeoutKnown() ? "dials the host: the external connect is cut at this timeout alone"
                    : "dials the host at a timeout of its own that is not known";
        }
        return "in-cluster leg: bounds only its connect to the " + hops.get(at + 1).kind().label();
    }

    /** The legs before the hop that dials the host, each with a timeout of its own. */
    public List<Hop> legs() {
        return hops.subList(0, hops.size() - 1);
    }

    /**
     * The cluster the probe's own sidecar connects through, where known: the one its listeners chose, else the one its
     * timeout was read from. The sidecar carries only the probe's connects, so Envoy's own stats for this cluster are
     * the sidecar's leg exactly (Envoy's second view), whichever hop dials the host: on a route through an egress
     * gateway, the limit's timeout names no cluster of the sidecar's.
     */
    public Optional<String> sidecarCluster() {
        return hops.stream().filter(h -> h.kind() == HopKind.SIDECAR).findFirst()
                .flatMap(h -> h.ref().cluster().or(() -> h.timeout().cluster()));
    }

    /** Whether a proxy on the way opens the TLS connection: the probe then speaks plain to the sidecar. */
    public boolean originatesTls() {
        return hops.stream().anyMatch(Hop::originatesTls);
    }

    /** Which of the host's addresses the first hop connects to, where its config says: the probe's connections follow it. */
    public Optional<AddressFamily> dnsFamily() {
        return hops.get(0).dnsFamily();
    }

    /** How the first hop picks the address it connects to, where its config says: whether the dialed address is the upstream's. */
    public Optional<UpstreamPick> upstreamPick() {
        return hops.get(0).upstreamPick();
    }

    /** More than one proxy with a timeout of its own: only then is each hop exported on its own. */
    public boolean isChain() {
        return hops.size() > 1;
    }

    /**
     * An attempt as the statistics see it over this route: a cut is the hop's whose tries of its timeout it matches; a
     * blocked route closes at once, so nothing there is a timeout to recognise.
     */
    public Measurement measure(ProbeResult result, ProbePath path) {
        return Measurement.of(result, path, fault.isPresent() ? List.of() : cuts(), c -> hops.get(c.hop()).describe(c.timeout()));
    }

    /**
     * Each hop's timeout (each share's, where it splits its connections) as a cut of it would show: its own HTTP
     * route's retries multiply its own connect's tries; a route before it that retries an upstream 503 multiplies them
     * again (a gateway's cut answered as a 503).
     */
    List<HopCut> cuts() {
        List<HopCut> cuts = new ArrayList<>(hops.size());
        int relayedTries = 1;
        Duration relayedBackOff = Duration.ZERO;
        for (int i = 0; i < hops.size(); i++) {
            Hop h = hops.get(i);
            int tries = relayedTries * h.retry().tries();
            Duration backOff = relayedBackOff.multipliedBy(h.retry().tries()).plus(h.retry().maxBackOff().multipliedBy(relayedTries));
            for (EffectiveTimeout t : h.cutAt()) {
                cuts.add(new HopCut(i, t, tries, backOff));
            }
            if (h.retry().retries503()) {
                relayedTries = tries;
                relayedBackOff = backOff;
            }
        }
        return cuts;
    }

    /**
     * How long the probe waits for an attempt: its configured deadline, or, where a route retries a failed connect,
     * long enough for Envoy's answer after every try, so that a retried cut is seen as Envoy's 503 and not lost as the
     * probe's own timeout (at Istio's 10 s and 3 tries it comes after 30 s and more).
     */
    public Duration probeDeadline(Duration configured) {
        Duration wait = configured;
        for (HopCut c : cuts()) {
            Duration latest = Measurement.latestCut(c);
            if (c.maxTries() > 1 && latest.compareTo(wait) > 0) {
                wait = latest;
            }
        }
        return wait;
    }
}
