package io.egressprobe.alert;

import io.egressprobe.config.Durations;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ClientCertificateProblem;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.route.View;
import io.egressprobe.window.AddressOutliers;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.Attempts;
import io.egressprobe.window.PathFault;
import io.egressprobe.window.Recommendation;
import io.egressprobe.window.SynLosses;
import io.egressprobe.window.WindowStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an alert tells the person who receives it: the numbers behind it, the level it moved to and
 * why, and what to change (the exact Istio resource for a timeout, the fix for a failing target).
 */
public record Advice(String summary, String description, String recommendation) {

    /** @param lastError the target's latest failure as the status API shows it ("reason during phase: detail") */
    public static Advice of(Transition t, String host, int port, Optional<String> lastError) {
        return of(t, host, port, lastError, Route.single(t.stats().timeout()));
    }

    /** @param route the hops the target's connections take: the advice names the one whose timeout is the limit */
    public static Advice of(Transition t, String host, int port, Optional<String> lastError, Route route) {
        return of(t, host, port, lastError, route, List.of());
    }

    /** @param addresses the window by address: where one stands out, the advice names it */
    public static Advice of(Transition t, String host, int port, Optional<String> lastError, Route route,
                            List<AddressWindow.Stats> addresses) {
        return of(t, host, port, lastError, route, addresses, List.of());
    }

    /**
     * @param route the route the target is judged on: the tightest of {@code views} where the target names its callers
     * @param views the route as Istio resolves it for a sidecar in each caller's namespace: a latency alert says which
     *              callers it is about and how close the same connects come to each caller's own timeout
     */
    public static Advice of(Transition t, String host, int port, Optional<String> lastError, Route route,
                            List<AddressWindow.Stats> addresses, List<View> views) {
        Advice a = switch (t.alert()) {
            case EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, EGRESS_CONNECT_TIMEOUTS -> latency(t, host, port, route, addresses, views);
            case EGRESS_TARGET_FAILING -> failing(t, host, port, lastError, route);
        };
        Optional<String> odd = t.isResolve() ? Optional.empty() : standsOut(addresses, true).or(() -> standsOut(addresses, false));
        return odd.map(o -> new Advice(a.summary(), a.description() + " " + o, a.recommendation())).orElse(a);
    }

    /**
     * The address that carries the problem, where the others do not, on evidence ({@link AddressOutliers}: at least
     * three failures or slow connects, not the others' rate by chance, and twice it). One address among several that
     * times out is a load balancer or a zone, not the host.
     */
    static Optional<String> standsOut(List<AddressWindow.Stats> addresses, boolean failures) {
        Optional<AddressWindow.Stats> odd = failures ? AddressOutliers.byFailures(addresses) : AddressOutliers.byP99(addresses);
        if (odd.isEmpty()) {
            return Optional.empty();
        }
        AddressWindow.Stats worst = odd.get();
        List<AddressWindow.Stats> rest = addresses.stream().filter(a -> a != worst).toList();
        int restAttempts = rest.stream().mapToInt(AddressWindow.Stats::attempts).sum();
        double restFailed = restAttempts == 0 ? 0 : (double) rest.stream().mapToInt(AddressWindow.Stats::failures).sum() / restAttempts;
        Duration restP99 = AddressOutliers.restP99(addresses, worst);
        if (failures) {
            return Optional.of("By address: " + worst.address() + " failed " + fine(worst.failureRatio()) + " of its " + worst.attempts()
                    + " attempts, the other " + rest.size() + (rest.size() == 1 ? " address " : " addresses ") + fine(restFailed)
                    + ": look at that address (a load balancer, a zone) before the host.");
        }
        return Optional.of("By address: " + worst.address() + " has p99 " + ms(worst.p99().get()) + ", the other "
                + rest.size() + (rest.size() == 1 ? " address " : " addresses ") + "at most " + ms(restP99)
                + ": look at that address (a load balancer, a zone) before the timeout.");
    }

    /**
     * The resolve of an alert whose target is no longer probed: nothing recovered, the measurement stopped. It says so,
     * instead of "succeed again", to the log, the Event, the webhook and Alertmanager.
     */
    public static Advice targetRemoved(Transition t, String host, int port) {
        return new Advice(t.alert().alertName() + " " + t.from().label() + " for " + t.target() + " (" + host + ":" + port
                + ") ends: the target was removed from the configuration and is no longer probed",
                "Ended by the removal of the target, not by a recovery: its last judgement was " + t.from().label()
                        + " since " + t.since() + ".",
                "If the target was removed by mistake, add it back; another probe or a fleet alert still covers " + host
                        + " only if it probes it.");
    }

    private static Advice latency(Transition t, String host, int port, Route route, List<AddressWindow.Stats> addresses,
                                  List<View> views) {
        WindowStats s = t.stats();
        EffectiveTimeout timeout = s.timeout();
        Hop limit = route.limit();
        String at = route.isChain() ? " at the " + limit.kind().label() : "";
        String callers = View.tightest(views).map(v -> " of the callers in " + v.namespace()).orElse("");
        String timeoutText = Durations.format(timeout.value()) + " connect timeout" + at + callers + " (" + timeout.source().label() + ")";
        String summary = t.alert() == AlertName.EGRESS_CONNECT_TIMEOUTS
                ? t.isResolve()
                        ? "No more connects to " + host + " cut at the " + timeoutText
                        : s.exceededCount() + " of " + s.count() + " connects to " + host + " reached the " + timeoutText
                : latencySummary(t, host, timeoutText);
        StringBuilder d = new StringBuilder();
        s.quantiles().ifPresent(q -> d.append("p99 ").append(ms(q.p99())).append(", p99.9 ").append(ms(q.p999()))
                .append(", max ").append(ms(q.max())).append(" over ").append(s.count()).append(" connects; "));
        d.append("timeout ").append(timeoutText).append(timeout.cluster().map(c -> " of cluster " + c).orElse(""))
                .append(limit.rule().map(r -> ", set by DestinationRule " + r).orElse(""));
        if (route.isChain()) {
            d.append(" (route: ").append(route.hops().stream().map(h -> h.kind().label() + " " + (h.timeoutKnown() ? Durations.format(h.timeout().value()) : "timeout not known"))
                    .collect(Collectors.joining(" → "))).append(')');
        }
        d.append("; utilization ").append(percent(s.utilization()));
        s.judgedOn().ifPresent(l -> d.append(" of the sidecar's own upstream connect p99 ").append(l.p99().map(Advice::ms).orElse("?"))
                .append(" over ").append(l.samples()).append(" connects (upstream_cx_connect_ms, the quantity its timeout"
                        + " covers; the p99 above is the probe's own, an upper bound)"));
        d.append("; ").append(s.exceededCount()).append(" at or above the timeout.");
        d.append(causes(s));
        d.append(byCaller(t, views));
        d.append(" Share a timeout would have cut: ").append(s.whatIf().stream()
                .map(w -> Durations.format(w.timeout()) + " " + percent(w.cutRatio())).collect(Collectors.joining(", ")))
                .append('.');
        return new Advice(summary, d.toString(), recommendation(s, route, host, port, addresses));
    }

    /**
     * Which of the two ways to reach the timeout the window shows: attempts the timeout cut, and completed
     * connects that needed a retransmitted SYN. A cut is never counted as a lost SYN.
     */
    static String causes(WindowStats s) {
        StringBuilder d = new StringBuilder();
        String limit = Durations.format(s.timeout().value());
        if (s.censoredCount() > 0) {
            d.append(' ').append(s.censoredCount()).append(" of ").append(s.count())
                    .append(" attempts were cut at the timeout: the connect took longer than ").append(limit)
                    .append(" (cuts, not lost SYNs).");
        }
        SynLosses losses = s.synLosses();
        if (losses.connects() > 0 && losses.source() == SynLosses.Source.KERNEL) {
            d.append(' ').append(losses.connects()).append(" of ").append(losses.outOf())
                    .append(" connects needed a retransmitted SYN (the kernel's count: ").append(losses.retransmittedSyns())
                    .append(losses.retransmittedSyns() == 1 ? " SYN" : " SYNs").append(" sent again): lost SYNs; a ")
                    .append(limit).append(" timeout tolerates ").append(tolerated(s.timeout().value())).append('.');
        } else if (losses.connects() > 0) {
            d.append(' ').append(losses.connects()).append(" of ").append(losses.outOf())
                    .append(" completed connects landed just after a SYN retransmission time (1 s or more) while the median"
                            + " was far below it: lost SYNs; a ")
                    .append(limit).append(" timeout tolerates ").append(tolerated(s.timeout().value())).append('.');
        }
        return d.toString();
    }

    /**
     * Each caller namespace's own exposure to the connects the window holds: its timeout, the window's p99 against it,
     * and the level that alone would reach (one alert per target, judged on the tightest view, names every view: the
     * alert's labels stay the ones the shipped rules give theirs, so that Alertmanager keeps deduplicating the two).
     */
    static String byCaller(Transition t, List<View> views) {
        Optional<Duration> p99 = t.stats().judgedP99();
        if (views.size() < 2 || p99.isEmpty() || t.isResolve()) {
            return "";
        }
        Thresholds th = new Thresholds(t.policy().thresholds().warning(), t.policy().thresholds().critical());
        return " By caller namespace: " + views.stream().map(v -> {
            Hop limit = v.route().limit();
            double utilization = (double) p99.get().toNanos() / v.route().timeout().value().toNanos();
            String level = utilization >= th.critical() ? "critical" : utilization >= th.warning() ? "warning" : "below warning";
            return v.namespace() + " " + Durations.format(v.route().timeout().value())
                    + limit.rule().map(r -> " (DestinationRule " + r + ")").orElse("") + ", utilization " + percent(utilization)
                    + ", " + level;
        }).collect(Collectors.joining("; ")) + ".";
    }

    private static String latencySummary(Transition t, String host, String timeoutText) {
        Thresholds th = new Thresholds(t.policy().thresholds().warning(), t.policy().thresholds().critical());
        return "p99 connect latency to " + host + " is " + percent(t.stats().utilization()) + " of the " + timeoutText
                + movement(t, th);
    }

    private static Advice failing(Transition t, String host, int port, Optional<String> lastError, Route route) {
        Attempts a = t.stats().attempts();
        Thresholds th = new Thresholds(t.policy().thresholds().failureWarning(), t.policy().thresholds().failureCritical());
        Optional<FailureReason> dominant = a.dominantReason(r -> !r.isCut());
        String share = a.failedOtherThanCuts() + " of " + a.total() + " attempts to " + host + ":" + port + " failed ("
                + fine(a.failureRatioOtherThanCuts()) + ")";
        String summary;
        boolean down = t.to() == Level.CRITICAL && a.allFailedSince(t.at().minus(t.policy().forDuration()));
        if (t.isResolve()) {
            summary = "Attempts to " + host + ":" + port + " succeed again: " + fine(a.failureRatioOtherThanCuts()) + " of " + a.total()
                    + " failed in the window" + movement(t, th);
        } else if (down) {
            summary = "Every attempt to " + host + ":" + port + " in the last " + Durations.format(t.policy().forDuration())
                    + " failed" + dominant.map(r -> " (" + r.label() + ")").orElse("");
        } else {
            summary = share + dominant.map(r -> ", mostly " + r.label()).orElse("") + movement(t, th);
        }
        StringBuilder d = new StringBuilder("Failures in the window: ").append(a.failuresInWords())
                .append(" of ").append(a.total()).append(" attempts.");
        lastError.ifPresent(e -> d.append(" Last error: ").append(e).append('.'));
        // The latency beside the failures, as every alert's description carries it.
        WindowStats s = t.stats();
        String timeoutText = Durations.format(s.timeout().value()) + " connect timeout (" + s.timeout().source().label() + ")";
        d.append(s.quantiles().map(q -> " Connects: p99 " + ms(q.p99()) + " over " + s.count() + " against the " + timeoutText + ".")
                .orElse(" No connect completed in the window; the " + timeoutText + "."));
        String what = route.fault().map(f -> "This is configuration, not latency: " + f.advice(new Destination(host, port)) + ".")
                .orElseGet(() -> dominant.map(r -> hint(r, host, port, lastError, Settings.CONFIG)).orElse(""));
        return new Advice(summary, d.toString(), what);
    }

    /** The names a reader sets things by: the config's fields for the daemon, {@code check}'s own flags for it. */
    public enum Settings {
        CONFIG("tls.caFile", "tls.verify: false", "tls.certFile", "tls.keyFile"),
        CHECK_FLAGS("--ca-file", "--insecure", "--cert-file", "--key-file");

        final String caFile;
        final String noVerify;
        final String certFile;
        final String keyFile;

        Settings(String caFile, String noVerify, String certFile, String keyFile) {
            this.caFile = caFile;
            this.noVerify = noVerify;
            this.certFile = certFile;
            this.keyFile = keyFile;
        }
    }

    /**
     * What to look at for each way a target fails. A {@code tls_certificate} failure over the client certificate (the
     * last error names which, {@link ClientCertificateProblem}) is about that certificate and the server's trust of it,
     * never the server's certificate.
     */
    public static String hint(FailureReason reason, String host, int port, Optional<String> lastError, Settings names) {
        String address = host + ":" + port;
        Optional<ClientCertificateProblem> client = reason == FailureReason.TLS_CERTIFICATE
                ? lastError.flatMap(ClientCertificateProblem::of) : Optional.empty();
        if (client.isPresent()) {
            return clientCertificateHint(client.get(), address, names);
        }
        return switch (reason) {
            case TLS_CERTIFICATE -> "The server's certificate failed verification (the last error says which check:"
                    + " expired, not yet valid, another host name, an issuer not trusted). If " + host
                    + " uses a private CA, set " + names.caFile + (names == Settings.CONFIG ? " on the target" : "") + " to its PEM bundle; fix or renew the certificate"
                    + " otherwise. " + names.noVerify + " only hides the problem.";
            case TLS_HANDSHAKE -> "The TLS handshake failed before any certificate check: is " + address
                    + " speaking TLS, and does it accept the SNI and the protocol versions this client offers?";
            case DNS -> "The name " + host + " does not resolve from this node: check its spelling, the node's resolver,"
                    + " and for a name only the mesh knows, a ServiceEntry with resolution DNS.";
            case REFUSED -> "Nothing accepts connections on " + address + " from this node, or something rejects them:"
                    + " check the port, the server, and the path (egress gateway, NetworkPolicy, firewall).";
            case UNREACHABLE -> "There is no route to " + host + " from this node: check the egress path (NAT or egress"
                    + " gateway, routes, NetworkPolicy), and whether other nodes or zones reach it.";
            case CONNECT_TIMEOUT, ENVOY_CONNECT_TIMEOUT -> "Connects are cut by the connect timeout: see"
                    + " EgressConnectTimeouts for the latency and the timeout the distribution calls for.";
            case RESET, CLOSED -> "The connection was reset or closed during the handshake at a time that is not the"
                    + " connect timeout: a proxy, an egress gateway or the server drops it (Envoy's access log shows"
                    + " the flags).";
            case HTTP_STATUS -> "The server answered the HTTP check with a status the target does not expect"
                    + " (http.expectStatus).";
            case PROBE_TIMEOUT -> "The server accepted the connection but did not finish within probeTimeout.";
        };
    }

    private static String clientCertificateHint(ClientCertificateProblem problem, String address, Settings names) {
        String files = names.certFile + " and " + names.keyFile;
        return switch (problem) {
            case NONE_CONFIGURED -> address + " requires a client certificate (mTLS) and none is configured: set " + files
                    + " to the client certificate chain and its key (a mounted Secret's tls.crt and tls.key).";
            case NONE_ACCEPTABLE -> address + " accepts client certificates only from the issuers it names (the last error"
                    + " lists them) and the one in " + names.certFile + " is from another, so none was sent: use a client"
                    + " certificate from one of those issuers, or have the server's owner trust its issuer.";
            case REFUSED -> address + " refused the client certificate in " + names.certFile + ": it does not trust its"
                    + " issuer, or the certificate has expired, is not valid yet or lacks extended key usage clientAuth."
                    + " Have the server's owner trust that issuer, or renew the certificate; the server's own certificate"
                    + " is not the problem.";
            case UNUSABLE -> "The client certificate in " + files + " cannot be used as it is (the last error says why:"
                    + " a key of another pair, a file that does not parse): a local configuration problem; no server"
                    + " refused anything. Fix the files (a Secret's tls.crt and tls.key must be one pair).";
        };
    }

    private record Thresholds(double warning, double critical) {}

    /**
     * Why the alert is at its new level, naming the threshold that moved it: a rise names the level's
     * threshold and the hold; a step down or a resolve names the clearing point it stayed below.
     */
    private static String movement(Transition t, Thresholds th) {
        String forText = Durations.format(t.policy().forDuration());
        String hold = " for " + forText;
        if (t.isResolve()) {
            return ", below " + fine(AlertPolicy.HYSTERESIS * th.warning()) + " (" + AlertPolicy.HYSTERESIS + " × warning's "
                    + fine(th.warning()) + ")" + hold;
        }
        if (t.isStepDown()) {
            return ": critical → warning, below " + fine(AlertPolicy.HYSTERESIS * th.critical()) + " (" + AlertPolicy.HYSTERESIS
                    + " × critical's " + fine(th.critical()) + ")" + hold + "; it resolves after " + forText + " below " + fine(AlertPolicy.HYSTERESIS * th.warning());
        }
        double level = t.to() == Level.CRITICAL ? th.critical() : th.warning();
        return ", at or above " + t.to().label() + "'s " + fine(level) + hold;
    }

    /**
     * What to change, for the person who pastes it: a path fault (cuts at the timeout beside fast completions) is
     * fixed on the path, never by a longer timeout; a latency that needs more gets the resource that sets it for this
     * host alone (never the mesh-wide default), and none where no resource can set it (ztunnel).
     */
    public static String recommendation(WindowStats s, Route route, String host, int port, List<AddressWindow.Stats> addresses) {
        Hop limit = route.limit();
        if (s.pathFault().isPresent()) {
            return pathFault(s, s.pathFault().get(), limit, route.isChain(), host, port, addresses);
        }
        return s.recommendation().map(r -> raise(r, limit, host, port)).orElse("Not enough samples for a recommendation yet.");
    }

    private static String pathFault(WindowStats s, PathFault f, Hop limit, boolean chain, String host, int port,
                                    List<AddressWindow.Stats> addresses) {
        String timeoutText = Durations.format(limit.timeout().value()) + " connect timeout" + (chain ? " at the " + limit.kind().label() : "");
        StringBuilder b = new StringBuilder("Fix the path, not the timeout: ");
        Optional<AddressWindow.Stats> carrier = cutCarrier(addresses);
        if (!f.anyCompleted()) {
            b.append("all ").append(f.cut()).append(" connects were cut at the ").append(timeoutText)
                    .append(" and none completed, so nothing says how long a connect would take. ");
            b.append(carrier.map(a -> "They went to " + a.address() + ". ").orElse(""));
            b.append("Find out whether ").append(host).append(':').append(port).append(" answers at all from ")
                    .append(where(limit, host, chain))
                    .append(" (from a pod without the sidecar: egress-probe check ").append(host).append(':').append(port)
                    .append(" --path direct --probe-timeout 30s) before changing the timeout.");
            return b.toString();
        }
        b.append(f.cut()).append(" of ").append(f.cut() + f.completed()).append(" connects were cut at the ").append(timeoutText)
                .append(" while the ").append(f.completed()).append(" that completed took at most ")
                .append(ms(f.completedP999().orElseThrow())).append(" (p99 ").append(ms(f.completedP99().orElseThrow()))
                .append("): nothing is slow, some connects are never answered. ");
        if (carrier.isPresent()) {
            AddressWindow.Stats a = carrier.get();
            List<AddressWindow.Stats> rest = addresses.stream().filter(x -> x != a).toList();
            b.append(a.address()).append(" carries the cuts (").append(a.cut()).append(" of its ").append(a.attempts())
                    .append(" attempts; the other ").append(rest.size()).append(rest.size() == 1 ? " address " : " addresses ")
                    .append(rest.stream().mapToInt(AddressWindow.Stats::cut).sum()).append(" of ")
                    .append(rest.stream().mapToInt(AddressWindow.Stats::attempts).sum())
                    .append("): that address does not answer from this node. Take it out of DNS or the load balancer,"
                            + " or find why this node cannot reach it (a zone, a firewall). ");
        } else {
            b.append("The cuts are at ").append(where(limit, host, chain))
                    .append(": an upstream endpoint that does not answer, a firewall that drops, or lost SYNs. ");
        }
        Recommendation r = s.recommendation().orElseThrow();
        Duration current = limit.timeout().value();
        String value = Durations.format(r.timeout());
        String why = " (at least " + Durations.format(r.needed()) + ": 3 × their p99.9 and their p99 plus the tolerated SYN"
                + " losses, over the " + f.completed() + " completed connects; the " + f.cut()
                + " cut ones are left out, as no timeout would have completed them)";
        if (r.timeout().compareTo(current) <= 0) {
            return b.append("The connects that completed call for ").append(value).append(why).append(": the current ")
                    .append(Durations.format(current)).append(" already covers them; leave the timeout as it is.").toString();
        }
        if (!limit.kind().isEnvoy()) {
            return b.append("The connects that completed call for ").append(value).append(why).append("; ")
                    .append(ZTUNNEL_FIXED).append('.').toString();
        }
        if (carrier.isPresent()) {
            return b.append("The connects that completed call for ").append(value).append(why)
                    .append(", but a longer timeout only makes the proxy wait that long on ").append(carrier.get().address())
                    .append(" before it tries another address: fix the address first.").toString();
        }
        return b.append("To tolerate lost SYNs, the connects that completed call for ").append(value).append(why)
                .append("; no timeout completes a connect that nothing answers.\n").append(destinationRule(limit, host, port, value))
                .toString();
    }

    /** ztunnel wraps its upstream connect in a fixed 10 s (istio/ztunnel src/proxy.rs, CONNECTION_TIMEOUT). */
    static final String ZTUNNEL_FIXED = "ztunnel's connect timeout is fixed in ztunnel (10s, istio/ztunnel src/proxy.rs)"
            + " and no DestinationRule changes it: fix the path, or send the host through an egress waypoint, an Envoy whose"
            + " connect timeout a DestinationRule sets";

    /** Which proxy dials the host and cuts: named for the person who has to look there. */
    private static String where(Hop limit, String host, boolean chain) {
        return switch (limit.kind()) {
            case EGRESS_GATEWAY -> "the egress gateway (namespace " + limit.ref().namespace() + ")'s connect to " + host;
            case WAYPOINT -> "the waypoint" + (limit.ref().namespace().isEmpty() ? "" : " (namespace " + limit.ref().namespace() + ")")
                    + "'s connect to " + host;
            case ZTUNNEL -> "ztunnel's connect to " + host + " (the node's ztunnel)";
            case PROXY -> "the forward proxy" + (limit.ref().namespace().isEmpty() ? "" : " (namespace " + limit.ref().namespace() + ")")
                    + "'s connect to " + host;
            case SIDECAR -> (chain ? "the sidecar's" : "this node's") + " connect to " + host;
        };
    }

    /**
     * The address whose attempts the timeout cut, where the others' were not, on evidence ({@link AddressOutliers}). One
     * dead address of several is a load balancer or a zone, not latency.
     */
    static Optional<AddressWindow.Stats> cutCarrier(List<AddressWindow.Stats> addresses) {
        return AddressOutliers.byCuts(addresses);
    }

    /** A latency whose distribution calls for more: the resource that sets the timeout for this host alone. */
    private static String raise(Recommendation r, Hop limit, String host, int port) {
        EffectiveTimeout current = limit.timeout();
        String value = Durations.format(r.timeout());
        boolean gateway = limit.kind() == HopKind.EGRESS_GATEWAY;
        StringBuilder b = new StringBuilder();
        if (r.beyondLargest()) {
            b.append("The distribution needs more than ").append(value).append(" (").append(Durations.format(r.needed()))
                    .append("): fix the path to ").append(host).append(" rather than the timeout. ");
        }
        if (!limit.kind().isEnvoy()) {
            return b.append("The distribution calls for ").append(value).append(" (at least ").append(Durations.format(r.needed()))
                    .append(" covers 3 × p99.9 and the tolerated SYN losses; the current one is ")
                    .append(Durations.format(current.value())).append("), but ").append(ZTUNNEL_FIXED).append('.').toString();
        }
        b.append("Recommended connect timeout: ").append(value).append(" (at least ").append(Durations.format(r.needed()))
                .append(" covers 3 × p99.9 and the tolerated SYN losses; the current one is ")
                .append(Durations.format(current.value())).append(gateway ? " at the egress gateway" : "").append("). For ").append(host)
                .append(gateway ? ", as the egress gateway (namespace " + limit.ref().namespace() + ") sees it" : "").append(":\n");
        return b.append(destinationRule(limit, host, port, value)).toString();
    }

    /**
     * The DestinationRule that sets {@code value} for this host and port only, in the namespace whose proxy applies it.
     * Never the mesh-wide default: that changes every host to fix one. Where a rule sets the timeout now, that rule is
     * edited, never shadowed: Istio merges same-host rules of a namespace keeping the oldest's trafficPolicy
     * (istio/istio {@code pilot/pkg/model/destination_rule.go}, {@code mergeDestinationRule}), so a second rule's
     * timeout would be ignored. A new rule's entry keeps the port's TLS origination where the hop originates: a
     * {@code portLevelSettings} entry replaces the whole policy for its port, {@code tls} included
     * ({@code pilot/pkg/model/destination_rule.go}, {@code MergeTrafficPolicy} with {@code hasPortLevel}).
     */
    private static String destinationRule(Hop limit, String targetHost, int targetPort, String value) {
        boolean gateway = limit.kind() == HopKind.EGRESS_GATEWAY;
        // A gateway whose VirtualService routes it dials its own cluster's host, port and subset, not the target's.
        Optional<String> routed = limit.ref().routedBy().flatMap(r -> limit.ref().cluster());
        String host = routed.flatMap(ClusterName::host).orElse(targetHost);
        int port = routed.flatMap(ClusterName::port).orElse(targetPort);
        Optional<String> subset = routed.flatMap(ClusterName::subset);
        StringBuilder b = new StringBuilder();
        if (subset.isPresent()) {
            // A subset's cluster takes the subset's policy over the rule's (istio/istio pilot/pkg/networking/util/util.go,
            // MergeSubsetTrafficPolicy): the timeout belongs in the subset, or the rule's would be overridden by it.
            b.append("The egress gateway dials ").append(host).append(':').append(port).append(", subset ").append(subset.get())
                    .append(" (").append(limit.ref().routedBy().get()).append("). Set it in that subset's trafficPolicy, in the")
                    .append(" DestinationRule that declares it").append(limit.rule().map(r -> ", " + r).orElse(""))
                    .append(" (its portLevelSettings entry for port ").append(port)
                    .append(" if it has one), keeping every other field, its tls above all:\n")
                    .append("apiVersion: networking.istio.io/v1\n")
                    .append("kind: DestinationRule\n")
                    .append(limit.rule().map(r -> {
                        String[] id = r.split("/", 2);
                        return "metadata:\n  name: " + (id.length == 2 ? id[1] : id[0]) + "\n"
                                + (id.length == 2 ? "  namespace: " + id[0] + "\n" : "");
                    }).orElse(""))
                    .append("spec:\n  host: ").append(host).append('\n')
                    .append("  subsets:\n  - name: ").append(subset.get()).append('\n')
                    .append("    trafficPolicy:\n")
                    .append("      connectionPool:\n        tcp:\n          connectTimeout: ").append(value).append('\n');
            return b.append("A subset's entry for the port without tls turns the gateway's TLS origination off: keep it.").toString();
        }
        if (limit.rule().isPresent()) {
            String[] id = limit.rule().get().split("/", 2);
            b.append("Set it in the DestinationRule that sets it now, ").append(limit.rule().get())
                    .append(", where that rule sets it (its portLevelSettings entry for port ").append(port)
                    .append(" if it has one, else its trafficPolicy), keeping every other field:\n")
                    .append("apiVersion: networking.istio.io/v1\n")
                    .append("kind: DestinationRule\n")
                    .append("metadata:\n  name: ").append(id.length == 2 ? id[1] : id[0]).append('\n')
                    .append(id.length == 2 ? "  namespace: " + id[0] + "\n" : "")
                    .append("spec:\n  host: ").append(host).append('\n')
                    .append("  trafficPolicy:\n")
                    .append("    connectionPool:\n      tcp:\n        connectTimeout: ").append(value).append('\n');
            return b.append("A second rule for the host would not do: Istio keeps the oldest rule's trafficPolicy.").toString();
        }
        b.append("apiVersion: networking.istio.io/v1\n")
                .append("kind: DestinationRule\n")
                .append("metadata:\n  name: ").append(host.replace('.', '-')).append("-connect-timeout\n")
                .append(gateway ? "  namespace: " + limit.ref().namespace() + "\n" : "")
                .append("spec:\n  host: ").append(host).append('\n')
                .append("  trafficPolicy:\n")
                .append("    portLevelSettings:\n")
                .append("    - port:\n        number: ").append(port).append('\n')
                .append("      connectionPool:\n        tcp:\n          connectTimeout: ").append(value).append('\n');
        if (limit.originatesTls()) {
            b.append("      tls:\n        mode: SIMPLE   # the proxy originates TLS on this port: an entry without tls turns"
                    + " that off (use the mode and files of the rule that originates it now)\n");
        }
        b.append("A DestinationRule that already sets a trafficPolicy for this host: add connectTimeout there instead"
                + " (a portLevelSettings entry replaces the whole policy for its port, and Istio keeps the oldest rule's"
                + " trafficPolicy where two rules of a namespace name the host).");
        return b.toString();
    }

    /** How many lost SYNs a connect timeout absorbs on the slower, classic schedule (1, 3, 7 s). */
    static String tolerated(Duration timeout) {
        long ms = timeout.toMillis();
        return ms <= 1000 ? "none" : ms <= 3000 ? "one" : ms <= 7000 ? "two" : "three or more";
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.0f%%", ratio * 100);
    }

    /** A share with a decimal where it is small: failure thresholds start at 1%. */
    static String fine(double ratio) {
        double p = ratio * 100;
        return p != 0 && p < 10 && p != Math.rint(p) ? String.format(Locale.ROOT, "%.1f%%", p)
                : String.format(Locale.ROOT, "%.0f%%", p);
    }

    static String ms(Duration d) {
        return String.format(Locale.ROOT, "%.0f ms", d.toNanos() / 1e6);
    }
}
