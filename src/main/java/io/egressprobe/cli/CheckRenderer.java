package io.egressprobe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egressprobe.support.JsonOutput;
import io.egressprobe.window.SynLosses;
import io.egressprobe.window.WhatIf;
import io.egressprobe.window.WindowStats;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.route.Destination;
import io.egressprobe.route.UpstreamPick;

/** Prints a {@link CheckReport} as a table for people or one JSON document for scripts. */
final class CheckRenderer {
    private static final ObjectMapper JSON = JsonOutput.mapper();

    private CheckRenderer() {}

    static void text(CheckReport r, PrintWriter out) {
        out.printf("egress-probe check %s:%d (sni %s, path %s, TLS engine %s, transport %s): %d attempts, %d succeeded%n%n",
                r.host(), r.port(), r.sni(), r.path().label(), r.tlsEngine(), r.transport(), r.attempts(), r.successes());
        out.printf("%-9s %6s %10s %10s %10s %10s%n", "phase", "count", "p50", "p90", "p99", "max");
        r.phases().forEach((name, p) -> out.printf("%-9s %6d %10s %10s %10s %10s%n", name, p.count(),
                Text.duration(p.p50()), Text.duration(p.p90()), Text.duration(p.p99()), Text.duration(p.max())));
        WindowStats s = r.upstream();
        out.println();
        out.printf("upstream connect (%s): %d samples, %d cut by a timeout%n",
                r.route().originatesTls() ? r.path().originatedMeasure() : r.path().upstreamMeasure(), s.count(), s.censoredCount());
        if (s.attempts().ownPauses() > 0) {
            out.printf("  %d more timed across a pause of this JVM's garbage collector: left out, their time is not the network's%n",
                    s.attempts().ownPauses());
        }
        s.quantiles().ifPresent(q -> out.printf("  p50 %s  p90 %s  p99 %s%s  p99.9 %s%s  max %s%n", Text.duration(q.p50()),
                Text.duration(q.p90()), Text.duration(q.p99()), s.isMaximum(0.99) ? " (= max)" : "",
                Text.duration(q.p999()), s.isMaximum(0.999) ? " (= max)" : "", Text.duration(q.max())));
        if (s.isMaximum(0.999)) {
            out.printf("  with %d samples, %s%n", s.count(), s.isMaximum(0.99)
                    ? "p99 and p99.9 are the slowest sample: --count 100 or more for a p99 that is not the maximum, 1000 for p99.9"
                    : "p99.9 is the slowest sample: --count 1000 or more for one that is not the maximum");
        }
        out.printf("envoy connect timeout: %s (source: %s)%n", Text.duration(s.timeout().value()), s.timeout().source().label());
        if (r.addresses().size() > 1) {
            out.printf("by address (the worst first):%n");
            r.addresses().forEach(a -> out.printf("  %-40s %3d attempts, %3d failed (%s), p99 %s%n", a.address(), a.attempts(),
                    a.failures(), Text.percent(a.failureRatio()), a.p99().map(Text::duration).orElse("-")));
        }
        if (r.route().upstreamPick().filter(p -> p == UpstreamPick.PROXY_RACES).isPresent()) {
            out.printf("addresses: %s%n", UpstreamPick.withoutAddressViews(false, r.route().upstreamPick(),
                    r.route().hops().get(0).timeout().cluster().orElse("")).orElseThrow());
        }
        if (r.route().isChain() || r.route().fault().isPresent() || r.route().originatesTls()) {
            out.printf("route: %s%n", r.route().hops().stream().map(h -> !h.timeoutKnown() ? h.kind().label() + " (its own timeout not known)"
                    : h.kind().label() + " " + Text.duration(h.timeout().value()) + " (" + h.timeout().source().label() + h.timeout().cluster().map(c -> ", " + c).orElse("")
                    + h.rule().map(x -> ", DestinationRule " + x).orElse("") + (h.originatesTls() ? ", originates TLS" : "") + ")")
                    .collect(Collectors.joining(" -> ")));
            if (r.route().isChain()) {
                r.route().hops().forEach(h -> out.printf("  %s: %s%n", h.kind().label(), r.route().role(h)));
            }
            r.route().notes().forEach(n -> out.printf("  %s%n", n));
        }
        if (s.count() > 0) {
            out.printf("utilization (p99 / timeout): %s   at or above the timeout: %d (%s)%n", Text.percent(s.utilization()),
                    s.exceededCount(), Text.percent(s.exceededRatio()));
        }
        if (r.path() == ProbePath.SIDECAR) {
            out.printf("judged on: %s (%s)%n", r.latency().basis().label(), r.latency().why());
        }
        if (s.count() > 0) {
            out.print("a connect timeout of");
            for (WhatIf w : s.whatIf()) {
                out.printf("  %s: %s", Text.duration(w.timeout()), Text.percent(w.cutRatio()));
            }
            out.println("   of attempts cut");
            s.recommendation().ifPresent(rec -> out.printf("recommended connect timeout: %s (needs >= %s: max(3 x p99.9, p99 + %s)%s)%n",
                    Text.duration(rec.timeout()), Text.duration(rec.needed()), "time to the tolerated SYN retransmissions",
                    s.pathFault().map(f -> " over the " + f.completed() + " completed connects only: the " + f.cut()
                            + " cut beside them are a path fault, which no timeout fixes").orElse("")));
            if (s.pathFault().isPresent() && s.recommendation().isEmpty()) {
                out.println("recommended connect timeout: none: every connect was cut, none completed to size one on");
            }
        }
        SynLosses losses = s.synLosses();
        if (losses.source() == SynLosses.Source.KERNEL) {
            out.printf("lost SYNs (the kernel's count, TCP_INFO): %d of %d connects needed a retransmitted SYN, %d SYNs sent again%n",
                    losses.connects(), losses.outOf(), losses.retransmittedSyns());
        } else if (losses.connects() > 0) {
            out.printf("suspected lost SYNs (inferred from timing): %d connects landed just after a SYN retransmission time%n",
                    losses.connects());
        }
        if (!r.failures().isEmpty()) {
            out.print("failures:");
            r.failures().forEach((reason, n) -> out.printf(" %s=%d", reason, n));
            out.println();
        }
        out.println();
        out.println(r.verdict());
        out.flush();
    }

    static void json(CheckReport r, PrintWriter out) throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode target = root.putObject("target");
        target.put("host", r.host()).put("port", r.port()).put("sni", r.sni()).put("path", r.path().label());
        root.put("tlsEngine", r.tlsEngine()).put("transport", r.transport()).put("attempts", r.attempts())
                .put("successes", r.successes());
        ObjectNode phases = root.putObject("phases");
        r.phases().forEach((name, p) -> phases.putObject(name).put("count", p.count()).put("p50", sec(p.p50()))
                .put("p90", sec(p.p90())).put("p99", sec(p.p99())).put("max", sec(p.max())));
        WindowStats s = r.upstream();
        ObjectNode upstream = root.putObject("upstreamConnect");
        upstream.put("measure", r.route().originatesTls() ? r.path().originatedMeasure() : r.path().upstreamMeasure()).put("count", s.count()).put("censored", s.censoredCount())
                .put("ownPauses", s.attempts().ownPauses());
        s.quantiles().ifPresent(q -> upstream.put("p50", sec(q.p50())).put("p90", sec(q.p90())).put("p99", sec(q.p99()))
                .put("p999", sec(q.p999())).put("max", sec(q.max())));
        ObjectNode timeout = root.putObject("timeout").put("seconds", s.timeout().seconds()).put("source", s.timeout().source().label());
        s.timeout().cluster().ifPresent(c -> timeout.put("cluster", c));
        ArrayNode addresses = root.putArray("addresses");
        r.addresses().forEach(a -> {
            ObjectNode node = addresses.addObject().put("address", a.address()).put("attempts", a.attempts())
                    .put("failures", a.failures()).put("failureRatio", a.failureRatio()).put("cut", a.cut());
            a.p99().ifPresent(p -> node.put("p99", sec(p)));
        });
        UpstreamPick.withoutAddressViews(r.path() == ProbePath.DIRECT, r.route().upstreamPick(),
                r.route().hops().get(0).timeout().cluster().orElse("")).ifPresent(n -> root.put("addressesNote", n));
        ObjectNode route = root.putObject("route").put("limitingHop", r.route().limit().kind().label());
        r.route().fault().ifPresent(f -> route.put("fault", f.label()).put("faultAdvice", f.advice(new Destination(r.host(), r.port()))));
        ArrayNode hops = route.putArray("hops");
        r.route().hops().forEach(h -> {
            ObjectNode hop = hops.addObject().put("hop", h.kind().label()).put("originatesTls", h.originatesTls())
                    .put("role", r.route().role(h));
            if (h.timeoutKnown()) {
                hop.put("timeoutSeconds", h.timeout().seconds()).put("source", h.timeout().source().label());
            } else {
                hop.putNull("timeoutSeconds").put("source", "unknown");
            }
            h.timeout().cluster().ifPresent(c -> hop.put("cluster", c));
            h.rule().ifPresent(x -> hop.put("destinationRule", x));
        });
        r.route().notes().forEach(route.putArray("notes")::add);
        root.put("utilization", s.utilization()).put("exceededRatio", s.exceededRatio()).put("exceeded", s.exceededCount())
                .put("retransmitSuspected", s.retransmitSuspected());
        root.putObject("synLosses").put("source", s.synLosses().source().label()).put("connects", s.synLosses().connects())
                .put("retransmittedSyns", s.synLosses().retransmittedSyns()).put("outOf", s.synLosses().outOf());
        ArrayNode whatIf = root.putArray("whatIf");
        s.whatIf().forEach(w -> whatIf.addObject().put("timeoutSeconds", sec(w.timeout())).put("cutRatio", w.cutRatio()));
        s.recommendation().ifPresent(rec -> root.putObject("recommendation").put("timeoutSeconds", sec(rec.timeout()))
                .put("neededSeconds", sec(rec.needed())).put("beyondLargest", rec.beyondLargest())
                .put("basis", s.pathFault().isPresent() ? "completed_connects" : "all_connects"));
        s.pathFault().ifPresent(f -> root.putObject("pathFault").put("cut", f.cut()).put("completed", f.completed()));
        ObjectNode failures = root.putObject("failures");
        for (Map.Entry<String, Integer> e : r.failures().entrySet()) {
            failures.put(e.getKey(), e.getValue());
        }
        root.put("level", r.level().name().toLowerCase(Locale.ROOT)).put("verdict", r.verdict());
        // What the latency was judged on: the sidecar's own connect histogram over the run, or the probe's samples.
        root.put("judgedOn", r.latency().basis().label()).put("judgedUtilization",
                Double.isFinite(r.latency().utilization()) ? r.latency().utilization() : null)
                .put("judgedSamples", r.latency().samples()).put("judgedReason", r.latency().why());
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        out.flush();
    }

    private static double sec(Duration d) {
        return d.toNanos() / 1e9;
    }
}
