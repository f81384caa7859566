package io.egressprobe.window;

import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.UpstreamSample;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The attempts of one target over a sliding time window: each one's outcome and, where it has one, its
 * upstream-connect sample.
 *
 * <p>A ring of primitives sized from window ÷ interval: memory per target is fixed whatever happens,
 * and when attempts come faster than planned the oldest give way first. Expiry is lazy, on record and
 * on read, by the injected clock; there is no timer thread. Thread-safe: probes record from event
 * loops while scrapes read.
 */
public final class SampleWindow {
    private static final long NO_SAMPLE = -1;
    /** No TCP_INFO for the attempt: the transport cannot read it, or the connect never completed. */
    private static final byte NO_TCP_INFO = -1;
    private static final byte SUCCESS = -1;
    private static final FailureReason[] REASONS = FailureReason.values();
    /** A timeout cut the attempt: its sample is its elapsed time. */
    private static final byte CENSORED = 1;
    /** A pause of our own (the collector's) fell inside the attempt: its time is not the network's alone. */
    private static final byte OWN_PAUSE = 2;
    /** The completed connect was judged a lost SYN when it was recorded ({@code SynRetransmits#suspected}). */
    private static final byte LOST_SYN = 4;

    private final Clock clock;
    private final long windowMillis;
    private final long[] recordedAtMillis;
    private final long[] valueNanos;
    /** What is true of each attempt's sample, as bits: {@link #CENSORED}, {@link #OWN_PAUSE}, {@link #LOST_SYN}. */
    private final byte[] flags;
    /** {@link #SUCCESS} or the failure reason's ordinal. */
    private final byte[] outcome;
    /** SYNs the kernel sent again before the connect completed (capped at 127), or {@link #NO_TCP_INFO}. */
    private final byte[] retransmittedSyns;
    /** The address the attempt went to, as its index in {@link #addresses}, or {@link AddressWindow#NONE}. */
    private final byte[] address;
    /** Null where the window keeps no addresses. */
    private final AddressWindow addresses;
    private List<AddressWindow.Stats> addressViews;
    /** When {@link #addressViews} stop being true without a record: the oldest attempt's expiry. */
    private long addressViewsValidUntil;
    private int head; // index of the oldest attempt
    private int size;
    /**
     * Attempts recorded since the window began: attempt {@code n} is in slot {@code n % capacity} (each record moves
     * {@code head + size} on by one, expiry moves neither's sum), so a {@link Mark} can name a past moment's attempts.
     */
    private long recorded;

    public SampleWindow(Clock clock, Duration window, int capacity) {
        this(clock, window, capacity, 0);
    }

    /** @param addressLimit how many addresses have a view of their own ({@link #addresses()}); 0 keeps none */
    public SampleWindow(Clock clock, Duration window, int capacity, int addressLimit) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.clock = clock;
        this.windowMillis = window.toMillis();
        this.recordedAtMillis = new long[capacity];
        this.valueNanos = new long[capacity];
        this.flags = new byte[capacity];
        this.outcome = new byte[capacity];
        this.retransmittedSyns = new byte[capacity];
        this.address = addressLimit > 0 ? new byte[capacity] : null;
        this.addresses = addressLimit > 0 ? new AddressWindow(addressLimit) : null;
    }

    /** Enough room for every attempt of a full window at the fastest jittered interval (-10%), plus slack. */
    public static int capacityFor(Duration window, Duration interval) {
        long perWindow = window.toMillis() / Math.max(1, interval.toMillis() * 9 / 10);
        return (int) Math.min(1_000_000, perWindow + 16);
    }

    /**
     * One attempt: its outcome, what it adds to the upstream-connect distribution, if anything, and the SYNs the
     * kernel sent again for it, where the kernel said.
     */
    public void record(ProbeResult result, Optional<UpstreamSample> sample) {
        record(result, sample, false);
    }

    /**
     * The same, for an attempt timed across a pause of our own ({@code ownPause}): a completed connect's sample is then
     * left out of the distribution (its time holds the pause), counted in {@link Attempts#ownPauses()}. A cut stays: the
     * proxy that cut it was not paused.
     */
    public void record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause) {
        record(result, sample, ownPause, false);
    }

    /**
     * The same, with what was judged of it when it was taken: {@code lostSyn}, a completed connect that looks like a
     * lost SYN. The window keeps the judgement with the attempt, and its statistics count those still in it, so that the
     * window and the counter of suspected losses never judge one connect twice.
     */
    public void record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause, boolean lostSyn) {
        byte syns = result.tcp().map(t -> (byte) Math.min(Byte.MAX_VALUE, t.retransmittedSyns())).orElse(NO_TCP_INFO);
        record(result instanceof ProbeResult.Failure f ? (byte) f.reason().ordinal() : SUCCESS, sample, syns, ownPause,
                lostSyn, result.address().orElse(null));
    }

    public void recordSuccess(UpstreamSample sample) {
        record(SUCCESS, Optional.of(sample), NO_TCP_INFO, false, false, null);
    }

    public void recordFailure(FailureReason reason, Optional<UpstreamSample> sample) {
        record((byte) reason.ordinal(), sample, NO_TCP_INFO, false, false, null);
    }

    /** A success that went to {@code address}. */
    public void recordSuccess(UpstreamSample sample, String address) {
        record(SUCCESS, Optional.of(sample), NO_TCP_INFO, false, false, address);
    }

    /** A failure that went to {@code address}. */
    public void recordFailure(FailureReason reason, Optional<UpstreamSample> sample, String address) {
        record((byte) reason.ordinal(), sample, NO_TCP_INFO, false, false, address);
    }

    private synchronized void record(byte result, Optional<UpstreamSample> sample, byte syns, boolean paused,
                                     boolean suspected, String to) {
        long now = clock.millis();
        expire(now);
        int slot = (head + size) % valueNanos.length;
        if (size == valueNanos.length) {
            leaves(head);
            head = (head + 1) % valueNanos.length;
        } else {
            size++;
        }
        if (addresses != null) {
            address[slot] = to == null ? AddressWindow.NONE : addresses.add(to);
            addressViews = null;
        }
        recordedAtMillis[slot] = now;
        valueNanos[slot] = sample.map(s -> s.value().toNanos()).orElse(NO_SAMPLE);
        outcome[slot] = result;
        retransmittedSyns[slot] = syns;
        boolean cut = sample.map(UpstreamSample::censored).orElse(false);
        boolean completedConnect = sample.isPresent() && !cut;
        flags[slot] = (byte) ((cut ? CENSORED : 0) | (paused ? OWN_PAUSE : 0)
                | (suspected && completedConnect && !paused ? LOST_SYN : 0));
        recorded++;
    }

    /**
     * One moment of the window: the attempts {@code from} (inclusive) to {@code to} (exclusive), as they were inside it at
     * {@code atMillis}, and when the oldest of them leaves it ({@code changesAtMillis}): until a record or then, the
     * window is what the mark says.
     */
    public record Mark(long from, long to, long atMillis, long changesAtMillis) {}

    /** The window now, as a mark that {@link #snapshotAt} can read later. */
    public synchronized Mark mark() {
        long now = clock.millis();
        expire(now);
        return new Mark(recorded - size, recorded, now, size == 0 ? Long.MAX_VALUE : recordedAtMillis[head] + windowMillis);
    }

    /** The attempts inside the window now, with their samples' values sorted ascending. */
    public synchronized Snapshot snapshot() {
        return snapshotAt(mark()).orElseThrow();
    }

    /**
     * The attempts of {@code mark}, with their samples' values sorted ascending; empty where later records have since
     * overwritten some of them (the ring held fewer than the mark's attempts and every record since).
     */
    public synchronized Optional<Snapshot> snapshotAt(Mark mark) {
        if (mark.from() < recorded - valueNanos.length) {
            return Optional.empty();
        }
        int size = (int) (mark.to() - mark.from());
        int head = (int) (mark.from() % valueNanos.length);
        long now = mark.atMillis();
        long[] values = new long[size];
        long[] completed = new long[size];
        int sampled = 0;
        int completedCount = 0;
        int censoredCount = 0;
        int[] failures = new int[REASONS.length];
        int failed = 0;
        long lastSuccess = -1;
        int kernelConnects = 0;
        int connectsWithLostSyn = 0;
        int lostSyns = 0;
        int paused = 0;
        int suspectedLostSyns = 0;
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % valueNanos.length;
            if (retransmittedSyns[slot] != NO_TCP_INFO) {
                kernelConnects++;
                lostSyns += retransmittedSyns[slot];
                connectsWithLostSyn += retransmittedSyns[slot] > 0 ? 1 : 0;
            }
            if (valueNanos[slot] != NO_SAMPLE && is(slot, OWN_PAUSE) && !is(slot, CENSORED)) {
                paused++;
            } else if (valueNanos[slot] != NO_SAMPLE) {
                values[sampled++] = valueNanos[slot];
                if (is(slot, CENSORED)) {
                    censoredCount++;
                } else {
                    completed[completedCount++] = valueNanos[slot];
                    suspectedLostSyns += is(slot, LOST_SYN) ? 1 : 0;
                }
            }
            if (outcome[slot] == SUCCESS) {
                lastSuccess = recordedAtMillis[slot];
            } else {
                failures[outcome[slot]]++;
                failed++;
            }
        }
        values = Arrays.copyOf(values, sampled);
        completed = Arrays.copyOf(completed, completedCount);
        Arrays.sort(values);
        Arrays.sort(completed);
        Map<FailureReason, Integer> byReason = new EnumMap<>(FailureReason.class);
        for (FailureReason r : REASONS) {
            if (failures[r.ordinal()] > 0) {
                byReason.put(r, failures[r.ordinal()]);
            }
        }
        int newest = (head + size - 1) % valueNanos.length;
        Attempts attempts = size == 0 ? Attempts.NONE : new Attempts(size, failed, byReason,
                Optional.of(Instant.ofEpochMilli(recordedAtMillis[head])),
                Optional.of(Instant.ofEpochMilli(recordedAtMillis[newest])), outcome[newest] != SUCCESS,
                lastSuccess < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(lastSuccess)), paused);
        return Optional.of(new Snapshot(values, completed, censoredCount, attempts,
                new KernelSyns(kernelConnects, connectsWithLostSyn, lostSyns), suspectedLostSyns, Instant.ofEpochMilli(now)));
    }

    /** One sample, for charts: when it was recorded, its value, and whether a timeout cut it. */
    public record Sample(long recordedAtMillis, long valueNanos, boolean censored) {}

    /** The samples inside the window now, oldest first (attempts without one are left out). */
    public synchronized List<Sample> samples() {
        expire(clock.millis());
        List<Sample> result = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % valueNanos.length;
            // The distribution's samples, as the statistics and the meters have them: a connect timed across our own
            // pause is not one.
            if (valueNanos[slot] != NO_SAMPLE && !(is(slot, OWN_PAUSE) && !is(slot, CENSORED))) {
                result.add(new Sample(recordedAtMillis[slot], valueNanos[slot], is(slot, CENSORED)));
            }
        }
        return result;
    }

    public int capacity() {
        return valueNanos.length;
    }

    /**
     * The window's attempts by the address they went to, the worst failure share first, then the highest p99; empty
     * where the window keeps no addresses. Kept until an attempt is recorded or the oldest leaves the window: every
     * scrape reads them.
     */
    public synchronized List<AddressWindow.Stats> addresses() {
        long now = clock.millis();
        if (addresses == null || addressViews != null && now < addressViewsValidUntil) {
            return addresses == null ? List.of() : addressViews;
        }
        expire(now);
        int views = addresses.size();
        int[] attempts = new int[views];
        int[] failed = new int[views];
        int[] cut = new int[views];
        long[][] values = new long[views][];
        int[] sampled = new int[views];
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % valueNanos.length;
            int a = address[slot];
            if (a == AddressWindow.NONE) {
                continue;
            }
            attempts[a]++;
            failed[a] += outcome[slot] == SUCCESS ? 0 : 1;
            if (valueNanos[slot] != NO_SAMPLE) {
                cut[a] += is(slot, CENSORED) ? 1 : 0;
                if (values[a] == null) {
                    values[a] = new long[8];
                } else if (sampled[a] == values[a].length) {
                    values[a] = Arrays.copyOf(values[a], sampled[a] * 2);
                }
                values[a][sampled[a]++] = valueNanos[slot];
            }
        }
        List<AddressWindow.Stats> out = new ArrayList<>();
        for (int a = 0; a < views; a++) {
            if (attempts[a] == 0) {
                continue;
            }
            Optional<Duration> p99 = Optional.empty();
            Optional<Duration> thirdSlowest = Optional.empty();
            if (sampled[a] > 0) {
                long[] sorted = Arrays.copyOf(values[a], sampled[a]);
                Arrays.sort(sorted);
                p99 = Optional.of(WindowStatistics.quantile(sorted, 0.99));
                thirdSlowest = sorted.length < 3 ? Optional.empty() : Optional.of(Duration.ofNanos(sorted[sorted.length - 3]));
            }
            out.add(new AddressWindow.Stats(addresses.name(a), attempts[a], failed[a], cut[a], p99, thirdSlowest));
        }
        out.sort(Comparator.comparingDouble(AddressWindow.Stats::failureRatio).reversed()
                .thenComparing(s -> s.p99().orElse(Duration.ZERO), Comparator.reverseOrder()));
        addressViews = List.copyOf(out);
        // expire() drops the oldest attempt once it is a window old: the views hold until then.
        addressViewsValidUntil = size == 0 ? Long.MAX_VALUE : recordedAtMillis[head] + windowMillis;
        return addressViews;
    }

    private boolean is(int slot, byte flag) {
        return (flags[slot] & flag) != 0;
    }

    private void expire(long now) {
        while (size > 0 && recordedAtMillis[head] <= now - windowMillis) {
            leaves(head);
            head = (head + 1) % valueNanos.length;
            size--;
        }
    }

    /** The attempt in {@code slot} leaves the ring: its address's count goes down with it. */
    private void leaves(int slot) {
        if (addresses != null) {
            addresses.remove(address[slot]);
            addressViews = null;
        }
    }

    /**
     * @param sortedNanos          every sample in the window, ascending; censored samples at their elapsed time
     * @param completedSortedNanos the samples of connects that completed (not cut), ascending
     * @param censoredCount        how many samples were cut by a timeout
     * @param attempts             every attempt in the window, samples or not
     */
    /**
     * What the kernel counted for the attempts whose connect it reported on (TCP_INFO).
     *
     * @param connects            attempts with a kernel report
     * @param connectsWithLostSyn of those, the connects that needed a retransmitted SYN
     * @param retransmittedSyns   SYNs sent again in all
     */
    public record KernelSyns(int connects, int connectsWithLostSyn, int retransmittedSyns) {}

    /** @param suspectedLostSyns completed connects judged lost SYNs when they were recorded */
    public record Snapshot(long[] sortedNanos, long[] completedSortedNanos, int censoredCount, Attempts attempts,
                           KernelSyns kernelSyns, int suspectedLostSyns, Instant takenAt) {
        public int count() {
            return sortedNanos.length;
        }
    }
}
