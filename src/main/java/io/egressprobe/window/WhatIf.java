package io.egressprobe.window;

import java.time.Duration;

/** The share of window samples a connect timeout of {@code timeout} would have cut. */
public record WhatIf(Duration timeout, double cutRatio) {}
