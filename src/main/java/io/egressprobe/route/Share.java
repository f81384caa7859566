package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;

/**
 * One of the clusters a hop splits its connections between ({@code weighted_clusters}), with the connect timeout of its
 * own: a connection that takes this share is cut at this timeout, not at the hop's tightest.
 */
public record Share(String cluster, int weight, EffectiveTimeout timeout) {}
