package org.sockethub.launcher;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gives memory back once a busy JVM goes quiet. The Serial collector the host and workers run
 * with grows the heap under load and shrinks it only after a full collection, which a quiet JVM
 * never does by itself; G1's periodic collection does the same job, at a higher memory cost of its
 * own. So: when collections have stopped (no young collection for a whole check interval, after
 * at least {@link #BUSY} of them since the last full one), full collections until the heap has
 * shrunk to {@code -XX:MaxHeapFreeRatio} and the freed pages go back to the OS.
 *
 * <p>Several, because Serial damps its shrinking ({@code -XX:+ShrinkHeapInSteps}, the default):
 * the first full collection after one that did not shrink gives back 0 % of the excess, the next
 * ones 10 %, 40 %, then all of it. One collection alone left a host that had grown under load at
 * its grown size (bench/README.md, 2026-12-07 (day)). Turning the damping off for the whole JVM
 * instead made every full collection under load shrink the heap at once, and cost ~10 % of the
 * echoes per CPU-second.
 */
public final class IdleCollector {

    /** Young collections since the last full one that count as "was busy". */
    static final long BUSY = 20;
    /** The most full collections one quiet spell gets: Serial's damping reaches 100 % at the fourth. */
    static final int MOST_FULL = 4;

    private long lastCount = -1;
    private long countAtLastFull;

    private IdleCollector() {
    }

    /**
     * Starts watching on a daemon thread of its own.
     *
     * @param intervalMs how long without a collection counts as quiet
     */
    public static void start(long intervalMs) {
        ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sockethub-idle-gc");
            t.setDaemon(true);
            return t;
        });
        IdleCollector collector = new IdleCollector();
        timer.scheduleWithFixedDelay(collector::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void check() {
        long count = collections();
        boolean quiet = count == lastCount;
        if (quiet && count - countAtLastFull >= BUSY) {
            shrink();
            count = collections();
            countAtLastFull = count;
        }
        lastCount = count;
    }

    /**
     * Full collections until one gives nothing back (after the first, which Serial's damping keeps
     * from shrinking when the one before it did not), at most {@link #MOST_FULL}.
     *
     * @return how many ran
     */
    static int shrink() {
        long committed = committedHeap();
        int runs = 0;
        while (runs < MOST_FULL) {
            System.gc();
            runs++;
            long now = committedHeap();
            if (runs > 1 && now >= committed) {
                break;
            }
            committed = now;
        }
        return runs;
    }

    /** The heap's committed size now, in bytes. */
    static long committedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    private static long collections() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }
}
