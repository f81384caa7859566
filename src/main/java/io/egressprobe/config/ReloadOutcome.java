package io.egressprobe.config;

/**
 * What reading the config file again came to.
 *
 * @param applied  the new config is in force
 * @param changed  the file differed from the last one read
 * @param problems why it was rejected, one per line; empty when applied
 */
public record ReloadOutcome(boolean applied, boolean changed, String problems) {}
