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
 * at least {@link #BUSY} of them since the last full one), one full collection, after which the
 * heap shrinks to {@code -XX:MaxHeapFreeRatio} and the freed pages go back to the OS.
 */
public final class IdleCollector {

    /** Young collections since the last full one that count as "was busy". */
    static final long BUSY = 20;

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
            System.gc();
            count = collections();
            countAtLastFull = count;
        }
        lastCount = count;
    }

    private static long collections() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }
}
