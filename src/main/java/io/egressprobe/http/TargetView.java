package io.egressprobe.http;

import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStats;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import io.egressprobe.route.HopKind;
import io.egressprobe.window.AddressWindow;

/** What the API shows of one target, read-only: its facts, and its window. */
public interface TargetView {
    TargetFacts facts();

    WindowStats stats();

    List<SampleWindow.Sample> samples();

    int windowCapacity();

    /** Failures since the target started, by reason. */
    Map<String, Long> failureCounts();

    /** The window's attempts by the address they went to, the worst first. */
    List<AddressWindow.Stats> addresses();

    /** Attempts cut by a hop's connect timeout since the target started, by the kind of hop. */
    Map<HopKind, Long> cutsByHop();

    /** Envoy's own connects for the probe's sidecar cluster over the window, where its histogram buckets are read. */
    Optional<EnvoyConnectWindow.Stats> envoyConnects();

    /** What the latency alert is judged on, with its utilization. */
    ConnectLatency connectLatency();
}
