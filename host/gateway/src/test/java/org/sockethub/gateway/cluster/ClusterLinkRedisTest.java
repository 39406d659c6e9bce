package org.sockethub.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadArgs;
import org.redisson.client.codec.StringCodec;
import org.sockethub.gateway.RedisForTests;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobStreams;

/** The cluster's directory of instances and the messages between nodes, against a real Redis. */
class ClusterLinkRedisTest {

    private static final String SECRET = "a test secret of thirty-two characters";
    private RedissonClient redis;
    private ScheduledExecutorService timers;
    private final String prefix = "cl" + Long.toHexString(System.nanoTime());
    private final String nodeA = prefix + "a";
    private final String nodeB = prefix + "b";
    private final List<NodeMessage> receivedByB = new CopyOnWriteArrayList<>();
    private final List<String> goneForA = new CopyOnWriteArrayList<>();
    private volatile Set<String> peersOfA = Set.of();
    private ClusterLink a;
    private ClusterLink b;

    @BeforeEach
    void start() {
        redis = RedisForTests.client();
        timers = Executors.newScheduledThreadPool(1);
        alive(nodeA);
        alive(nodeB);
        a = new ClusterLink(redis, nodeA, SECRET, timers, m -> { }, () -> peersOfA, n -> {
            goneForA.add(n);
            peersOfA = Set.of(); // as the gateway does: its instances of that node are gone
        });
        b = new ClusterLink(redis, nodeB, SECRET, timers, receivedByB::add, Set::of, n -> { });
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        redis.getKeys().deleteByPattern(JobStreams.all(nodeA));
        redis.getKeys().deleteByPattern(JobStreams.all(nodeB));
        timers.shutdownNow();
        redis.shutdown();
    }

    private void alive(String node) {
        redis.getBucket(JobStreams.alive(node), StringCodec.INSTANCE).set("1", Duration.ofSeconds(30));
    }

    private ClusterLink.Holder claim(ClusterLink link, String actor, String handle) throws Exception {
        return link.claim("irc", actor, "scope", handle).get(5, TimeUnit.SECONDS);
    }

    @Test
    void theFirstClaimHoldsTheInstanceAndTheOthersSeeItsHolder() throws Exception {
        assertEquals(new ClusterLink.Holder(nodeA, "i1"), claim(a, "dana", "i1"));
        assertEquals(new ClusterLink.Holder(nodeA, "i1"), claim(b, "dana", "i7"), "node B attaches to node A's");
        assertEquals(new ClusterLink.Holder(nodeB, "i8"), claim(b, "erin", "i8"), "another actor: node B holds its own");
        String key = a.entryKey("irc", "dana", "scope");
        assertTrue(key.startsWith("sockethub:instance:"));
        assertFalse(key.contains("dana") || key.contains("scope"), "no actor or credentials hash readable: " + key);
        assertEquals(nodeA + " i1", redis.getBucket(key, StringCodec.INSTANCE).get());
        long ttl = redis.getBucket(key, StringCodec.INSTANCE).remainTimeToLive();
        assertTrue(ttl > 50_000 && ttl <= 60_000, "an entry lives 60 s: " + ttl);
        a.release("irc", "dana", "scope", "i1");
        waitUntil(() -> !redis.getBucket(key, StringCodec.INSTANCE).isExists(), "released");
        assertEquals(new ClusterLink.Holder(nodeB, "i9"), claim(b, "dana", "i9"), "released: the next claim holds it");
        b.release("irc", "erin", "scope", "i8");
        b.release("irc", "dana", "scope", "i9");
    }

    @Test
    void anEntryOfANodeWithoutAHeartbeatIsTakenOver() throws Exception {
        String dead = prefix + "dead";
        redis.getBucket(a.entryKey("irc", "gus", "scope"), StringCodec.INSTANCE).set(dead + " i3", Duration.ofSeconds(60));
        assertEquals(new ClusterLink.Holder(nodeA, "i4"), claim(a, "gus", "i4"));
        ClusterLink.Holder stale = new ClusterLink.Holder(nodeA, "i4");
        assertEquals(new ClusterLink.Holder(nodeB, "i5"), b.takeOver("irc", "gus", "scope", "i5", stale).get(5, TimeUnit.SECONDS),
                "an entry its holder no longer has is replaced");
        assertEquals(new ClusterLink.Holder(nodeB, "i5"), a.takeOver("irc", "gus", "scope", "i6", stale).get(5, TimeUnit.SECONDS),
                "only the entry it was told of");
        b.release("irc", "gus", "scope", "i5");
    }

    @Test
    void aMessageReachesTheOtherNodesEventsStreamSealedAndOpensThere() throws Exception {
        ObjectNode activity = JsonNodeFactory.instance.objectNode().put("type", "send");
        a.send(nodeB, NodeMessage.forward(nodeA, "i1", "irc-1", "s1", activity, null)).get(5, TimeUnit.SECONDS);
        a.send(nodeB, NodeMessage.answer(nodeA, "i1", JobEvent.failure("irc-2", "Error: x"))).get(5, TimeUnit.SECONDS);
        Map<StreamMessageId, Map<String, String>> entries = redis.<String, String>getStream(JobStreams.events(nodeB), StringCodec.INSTANCE)
                .read(StreamReadArgs.greaterThan(StreamMessageId.ALL).count(10));
        assertEquals(2, entries.size());
        for (Map<String, String> fields : entries.values()) {
            String sealed = fields.get(ClusterLink.FIELD);
            assertFalse(sealed.contains("irc-") || sealed.contains("send"), "sealed: " + sealed);
            b.receive(sealed);
        }
        assertEquals(List.of(NodeMessage.Type.FORWARD, NodeMessage.Type.ANSWER), receivedByB.stream().map(NodeMessage::type).toList());
        assertEquals(activity, receivedByB.get(0).activity());
        assertEquals("irc-2", receivedByB.get(1).event().job());
        assertEquals("Error: x", receivedByB.get(1).event().error());

        ClusterLink other = new ClusterLink(redis, prefix + "c", "another secret of thirty-two characters", timers,
                receivedByB::add, Set::of, n -> { });
        other.receive(entries.values().iterator().next().get(ClusterLink.FIELD));
        other.close();
        assertEquals(2, receivedByB.size(), "a node with another secret drops what it cannot open");
    }

    @Test
    void theJobKeyIsTheSameForTheSameSecretOnly() {
        assertArrayEquals(ClusterLink.jobKey(SECRET), ClusterLink.jobKey(SECRET));
        assertNotEquals(List.of(ClusterLink.jobKey(SECRET)), List.of(ClusterLink.jobKey(SECRET + "!")));
        assertEquals(32, ClusterLink.jobKey(SECRET).length);
    }

    @Test
    void aPeerWithoutAHeartbeatAtTwoLooksIsGoneWithinThreeSeconds() {
        peersOfA = Set.of(nodeB);
        redis.getBucket(JobStreams.alive(nodeB)).delete();
        long start = System.nanoTime();
        waitUntil(() -> goneForA.contains(nodeB), "node B gone");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 1_400 && ms <= 3_500, "after " + ms + " ms");
        assertEquals(List.of(nodeB), goneForA, "once");
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
