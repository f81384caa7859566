package io.egressprobe.probe;

import io.egressprobe.config.Target;
import io.egressprobe.measure.ProbeResult;
import io.vertx.core.Future;

/**
 * Measures one attempt against a target. Probers only measure: the caller owns the schedule and the
 * deadline, and aborts the attempt through the context. The returned future always succeeds, with a
 * {@link ProbeResult.Failure} when the attempt failed. Call on the event-loop context that should own
 * the attempt's socket.
 */
public interface Prober {
    Future<ProbeResult> probe(Target target, ProbeContext context);
}
