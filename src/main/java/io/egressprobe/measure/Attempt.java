package io.egressprobe.measure;

import java.time.Instant;

/** An attempt's outcome and when it ended. */
public record Attempt(Instant at, ProbeResult result) {}
