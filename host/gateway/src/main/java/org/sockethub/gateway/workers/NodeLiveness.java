package org.sockethub.gateway.workers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.Utf8Codec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway node's heartbeat in Redis, and the removal of what dead nodes left there.
 *
 * <p>Each node keeps {@code sockethub:{<node>}:alive} with a TTL ({@code nodeHeartbeat.ttlMs},
 * 6 s), written before anything else of the node and renewed every sixth of it, and at each beat
 * enters in the registry {@link JobStreams#NODES} when that beat runs out (the beat's time plus
 * its TTL, on the Redis server's clock: nodes' clocks and TTLs may differ). At each beat it also
 * looks there for other nodes whose beat has run out: one still so two beats later, and without
 * its heartbeat key, is dead; its keys are deleted and it leaves the registry. A node killed with
 * {@code kill -9} is found within a TTL and three beats (9 s by default), with one sorted-set
 * read per beat instead of a scan.
 *
 * <p>Nodes missing from the registry (it was deleted, or a node of an earlier version) are found by
 * the scan that came before it, every {@code nodeHeartbeat.sweepIntervalMs} (20 s): a node
 * looks for keys of other nodes ({@code sockethub:{<node>}:*}: jobs streams and their groups, the
 * events stream, credentials); a node whose heartbeat is missing at two looks in a row (more than
 * a TTL apart, so a Redis that came back empty a moment ago does not count) is dead, and its keys
 * are deleted. A node killed with {@code kill -9} leaves nothing behind for longer than about two
 * sweeps of any live node, or of the next node started on the same Redis.
 */
public final class NodeLiveness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
    private final RedissonClient redis;
    private final String nodeId;
    private final ScheduledExecutorService timers;
    private final long ttlMs;
    private final long sweepMs;
    /** The glob of the keys looked at. */
    private final String pattern;
    private final String started = Long.toString(System.currentTimeMillis());
    /** Nodes seen without a heartbeat at the last look. */
    private Set<String> suspects = Set.of();
    private ScheduledFuture<?> beats;
    private ScheduledFuture<?> sweeps;
    private final long beatMs;
    /** Registered nodes seen stale. */
    private final Absences stale;

    /**
     * @param redis  the node's Redis
     * @param nodeId the node
     * @param timers where the beats and sweeps run
     * @param ttlMs   how long a heartbeat lives (renewed every third of it)
     * @param sweepMs how often to look for dead nodes' keys (two looks in a row, more than a TTL apart, find one)
     */
    public NodeLiveness(RedissonClient redis, String nodeId, ScheduledExecutorService timers, long ttlMs, long sweepMs) {
        this(redis, nodeId, timers, ttlMs, sweepMs, JobStreams.ALL_NODES);
    }

    /** @param pattern the glob of the keys to look at (tests: only their own nodes') */
    NodeLiveness(RedissonClient redis, String nodeId, ScheduledExecutorService timers, long ttlMs, long sweepMs, String pattern) {
        this.pattern = pattern;
        this.redis = redis;
        this.nodeId = nodeId;
        this.timers = timers;
        this.ttlMs = ttlMs;
        this.sweepMs = Math.max(sweepMs, ttlMs + 1); // a Redis back empty must not pass for a dead node
        this.beatMs = Math.max(100, ttlMs / 6);
        this.stale = new Absences(3 * beatMs / 2);
    }

    /** Writes the first heartbeat (synchronously: before the node writes anything else), then keeps it and sweeps. */
    public void start() {
        beat();
        beats = timers.scheduleWithFixedDelay(() -> quietly("heartbeat", () -> {
            beat();
            look();
        }), beatMs, beatMs, TimeUnit.MILLISECONDS);
        sweeps = timers.scheduleWithFixedDelay(() -> quietly("sweep", this::sweep), Math.min(1_000, sweepMs), sweepMs, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        redis.getBucket(JobStreams.alive(nodeId), Utf8Codec.INSTANCE).set(started, Duration.ofMillis(ttlMs));
        redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_WRITE, JobStreams.BEAT_SCRIPT, RScript.ReturnType.LONG,
                List.of(JobStreams.NODES), nodeId, Long.toString(ttlMs));
    }

    /**
     * One look at the registry: a node whose beat has run out (its own TTL after it) at this look
     * and at the one two beats earlier, and whose heartbeat key is gone, is dead; its keys are
     * deleted.
     *
     * @return the nodes found dead
     */
    synchronized List<String> look() {
        List<Object> old = redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_ONLY, JobStreams.STALE_SCRIPT, RScript.ReturnType.LIST,
                List.of(JobStreams.NODES));
        Set<String> now = new HashSet<>();
        old.forEach(n -> now.add(String.valueOf(n)));
        now.remove(nodeId);
        List<String> dead = new ArrayList<>();
        for (String node : stale.longEnough(now)) { // still so at the look two beats later
            if (!redis.getBucket(JobStreams.alive(node), Utf8Codec.INSTANCE).isExists()) {
                long n = forget(node);
                stale.done(node);
                dead.add(node);
                LOG.info("node {} stopped beating: removed its {} key(s) from Redis", node, n);
            }
        }
        return dead;
    }

    /**
     * One look: other nodes' keys whose heartbeat is missing now and was missing at the last look
     * are deleted.
     *
     * @return how many keys were deleted
     */
    synchronized long sweep() {
        Map<String, Boolean> alive = new HashMap<>();
        for (String key : redis.getKeys().getKeys(KeysScanOptions.defaults().pattern(pattern).chunkSize(500))) {
            String node = JobStreams.nodeOf(key);
            if (node != null && !node.equals(nodeId)) {
                alive.computeIfAbsent(node, n -> redis.getBucket(JobStreams.alive(n), Utf8Codec.INSTANCE).isExists());
            }
        }
        Set<String> missing = new HashSet<>();
        alive.forEach((node, beating) -> {
            if (!beating) {
                missing.add(node);
            }
        });
        long deleted = 0;
        for (String node : missing) {
            if (suspects.contains(node) && !redis.getBucket(JobStreams.alive(node), Utf8Codec.INSTANCE).isExists()) {
                long n = forget(node);
                deleted += n;
                LOG.info("node {} has no heartbeat: removed its {} key(s) from Redis", node, n);
            }
        }
        suspects = missing;
        return deleted;
    }

    /** A dead node's keys deleted, and its entry out of the registry; @return how many keys */
    private long forget(String node) {
        long n = redis.getKeys().deleteByPattern(JobStreams.all(node));
        redis.getScoredSortedSet(JobStreams.NODES, Utf8Codec.INSTANCE).remove(node);
        return n;
    }

    private static void quietly(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("node {} failed: {}", what, e.toString());
        }
    }

    /** Stops beating and removes the heartbeat (the node's other keys are its router's to delete). */
    @Override
    public void close() {
        if (beats != null) {
            beats.cancel(false);
        }
        if (sweeps != null) {
            sweeps.cancel(false);
        }
        try {
            redis.getBucket(JobStreams.alive(nodeId)).delete();
            redis.getScoredSortedSet(JobStreams.NODES, Utf8Codec.INSTANCE).remove(nodeId);
        } catch (RuntimeException e) {
            LOG.debug("removing the heartbeat: {}", e.toString());
        }
    }
}
