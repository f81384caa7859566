package io.egressprobe.http;

import io.egressprobe.target.TargetSnapshot;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.SampleWindow;
import java.util.List;

/**
 * What the API shows of one target, read-only: its facts, and its core's latest moment (window statistics, cuts,
 * failures and levels of one time).
 */
public interface TargetView {
    TargetFacts facts();

    TargetSnapshot snapshot();

    List<SampleWindow.Sample> samples();

    /** The window's attempts by the address they went to, the worst first. */
    List<AddressWindow.Stats> addresses();
}
