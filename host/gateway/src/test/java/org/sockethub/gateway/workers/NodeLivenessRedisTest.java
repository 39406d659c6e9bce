package org.sockethub.gateway.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.sockethub.gateway.RedisForTests;
import org.sockethub.jobs.JobStreams;

/** Heartbeats and the removal of a dead node's keys, against a real Redis. */
class NodeLivenessRedisTest {

    private RedissonClient redis;
    private ScheduledExecutorService timers;
    /** This test's nodes share a prefix, and its sweeps look at their keys only (others' tests use the same Redis). */
    private final String prefix = "lv" + Long.toHexString(System.nanoTime());
    private final String pattern = "sockethub:\\{" + prefix + "*\\}:*";
    private final String dead = prefix + "dead";
    private final String living = prefix + "living";
    private final String sweeper = prefix + "sweeper";

    @BeforeEach
    void start() {
        redis = RedisForTests.client();
        timers = Executors.newScheduledThreadPool(1);
    }

    @AfterEach
    void stop() {
        redis.getKeys().deleteByPattern(JobStreams.all(dead));
        redis.getKeys().deleteByPattern(JobStreams.all(living));
        timers.shutdownNow();
        redis.shutdown();
    }

    private void keysOf(String node) {
        redis.getBucket(JobStreams.events(node), StringCodec.INSTANCE).set("x");
        redis.getBucket(JobStreams.jobs(node, "dummy"), StringCodec.INSTANCE).set("x");
    }

    private long count(String node) {
        return redis.getKeys().getKeysStreamByPattern(JobStreams.all(node)).count();
    }

    @Test
    void removesTheKeysOfANodeWithoutAHeartbeatAtTwoLooksInARow() {
        NodeLiveness live = new NodeLiveness(redis, living, timers, 15_000, 20_000, pattern);
        live.start();
        keysOf(living);
        keysOf(dead); // a node killed with kill -9: its keys, and no heartbeat
        NodeLiveness looks = new NodeLiveness(redis, sweeper, timers, 15_000, 20_000, pattern);
        assertEquals(0, looks.sweep(), "the first look only suspects");
        assertEquals(2, count(dead));
        assertEquals(2, looks.sweep(), "the second removes");
        assertEquals(0, count(dead));
        assertEquals(3, count(living), "a node with a heartbeat keeps its keys (and the heartbeat)");
        live.close();
        assertEquals(2, count(living), "closed: the heartbeat is gone");
    }

    @Test
    void aNodeWhoseHeartbeatCameBackBetweenTheLooksKeepsItsKeys() {
        keysOf(living);
        NodeLiveness looks = new NodeLiveness(redis, sweeper, timers, 15_000, 20_000, pattern);
        assertEquals(0, looks.sweep());
        NodeLiveness back = new NodeLiveness(redis, living, timers, 15_000, 20_000, pattern); // e.g. Redis came back empty, then the next beat
        back.start();
        assertEquals(0, looks.sweep());
        assertTrue(count(living) >= 2);
        back.close();
    }

    @Test
    void aRegisteredNodeThatStoppedBeatingIsRemovedAtTheLookTwoBeatsAfterItWasFirstSeenStale() throws Exception {
        var registry = redis.getScoredSortedSet(JobStreams.NODES, StringCodec.INSTANCE);
        keysOf(living);
        keysOf(dead);
        // as a node killed a while ago left the registry, beside one whose beat runs out in 10 s (loopback: one clock)
        registry.add(0, dead);
        registry.add(System.currentTimeMillis() + 10_000, living);
        NodeLiveness looks = new NodeLiveness(redis, sweeper, timers, 600, 20_000, pattern); // beats every 100 ms
        assertEquals(List.of(), looks.look(), "the first look that sees it stale only notes it");
        assertEquals(2, count(dead));
        Thread.sleep(250);
        assertEquals(List.of(dead), looks.look(), "two beats later, still stale and without a heartbeat key: dead");
        assertEquals(0, count(dead));
        assertNull(registry.getScore(dead), "out of the registry");
        assertEquals(2, count(living), "a node whose beat has not run out keeps its keys");
        registry.remove(living);

        NodeLiveness live = new NodeLiveness(redis, living, timers, 600, 20_000, pattern);
        live.start();
        assertNotNull(registry.getScore(living), "a started node is registered at its first beat");
        live.close();
        assertNull(registry.getScore(living), "closed: out of the registry");
    }

    @Test
    void readsTheNodeOfAKey() {
        assertEquals("abc", JobStreams.nodeOf("sockethub:{abc}:jobs:dummy"));
        assertEquals(null, JobStreams.nodeOf("sockethub:{}:x"));
        assertEquals(null, JobStreams.nodeOf("other:{abc}:x"));
    }
}
