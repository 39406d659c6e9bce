package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.RedisException;

/**
 * The job path's waiting reads: they wake when an entry arrives, return nothing after their wait,
 * and hold their connection for the wait, so that other commands of the client are not queued
 * behind them.
 */
class StreamReadsTest {

    private static TestRedis server;
    private static RedissonClient redis;

    @BeforeAll
    static void redis() throws Exception {
        server = TestRedis.start();
        redis = RedisClients.connect(server.url(), 2, "stream-reads-test");
    }

    @AfterAll
    static void stop() throws Exception {
        redis.shutdown();
        server.close();
    }

    @Test
    void aReadWakesWhenAnEntryArrivesWhileOtherCommandsGoOn() throws Exception {
        String key = "stream-reads-test:" + System.nanoTime();
        RStream<String, String> stream = redis.getStream(key);
        long start = System.nanoTime();
        StreamReads.Reader reader = new StreamReads.Reader(redis, key);
        CompletableFuture<Map<StreamMessageId, Map<String, String>>> read = reader.read(StreamMessageId.ALL, 10, Duration.ofSeconds(2));
        Thread.sleep(200);
        // the client's other commands are not held up by the waiting read (pool of 2)
        for (int i = 0; i < 20; i++) {
            redis.getBucket(key + ":b").set("x" + i);
        }
        stream.add(StreamAddArgs.entry("field", "value"));
        Map<StreamMessageId, Map<String, String>> got = read.get(5, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(List.of(Map.of("field", "value")), List.copyOf(got.values()));
        assertTrue(ms < 1500, "woke when the entry came, not at the end of its wait: " + ms + " ms");
        // the next read goes on the connection kept from the last: it sees the entries after it
        stream.add(StreamAddArgs.entry("field", "second"));
        StreamMessageId last = got.keySet().iterator().next();
        assertEquals(List.of(Map.of("field", "second")),
                List.copyOf(reader.read(last, 10, Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS).values()));
        reader.close();
    }

    @Test
    void aGroupReadTakesWhatWasNeverDeliveredWaitsForWhatComesAndFailsWithRedisErrors() throws Exception {
        String key = "stream-reads-test:" + System.nanoTime();
        RStream<String, String> stream = redis.getStream(key);
        stream.createGroup(StreamCreateGroupArgs.name("g").makeStream().id(StreamMessageId.ALL));
        StreamReads.Reader reader = new StreamReads.Reader(redis, key);
        stream.add(StreamAddArgs.entry("n", "1"));
        stream.add(StreamAddArgs.entry("n", "2"));
        Map<StreamMessageId, Map<String, String>> first = reader.readGroup("g", "c", 10, Duration.ofMillis(300)).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(Map.of("n", "1"), Map.of("n", "2")), List.copyOf(first.values()));
        CompletableFuture<Map<StreamMessageId, Map<String, String>>> read = reader.readGroup("g", "c", 10, Duration.ofSeconds(2));
        Thread.sleep(200);
        assertTrue(!read.isDone(), "waits for an entry");
        // the waiting read holds a connection of its own: the client's other commands go on (pool of 2)
        for (int i = 0; i < 20; i++) {
            redis.getBucket(key + ":b").set("x" + i);
        }
        stream.add(StreamAddArgs.entry("n", "3"));
        assertEquals(List.of(Map.of("n", "3")), List.copyOf(read.get(1500, TimeUnit.MILLISECONDS).values()));
        long start = System.nanoTime();
        Map<StreamMessageId, Map<String, String>> none = reader.readGroup("g", "c", 10, Duration.ofMillis(300)).get(5, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(none == null || none.isEmpty(), String.valueOf(none));
        assertTrue(ms >= 250, "waited its block: " + ms + " ms");
        // an error reply fails the read with a RedisException
        java.util.concurrent.ExecutionException missing = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> new StreamReads.Reader(redis, key + ":none").readGroup("g", "c", 1, Duration.ofMillis(50)).get(5, TimeUnit.SECONDS));
        assertTrue(missing.getCause() instanceof RedisException && missing.getCause().getMessage().contains("NOGROUP"),
                String.valueOf(missing.getCause()));
        // reads after an error, more than the pool has connections, still get a connection
        for (int i = 0; i < 4; i++) {
            stream.add(StreamAddArgs.entry("n", "x" + i));
            assertEquals(1, reader.readGroup("g", "c", 1, Duration.ofMillis(200)).get(5, TimeUnit.SECONDS).size());
        }
        assertThrows(IllegalArgumentException.class, () -> reader.read(StreamMessageId.ALL, 1, Duration.ZERO));
        reader.close(); // its kept connection back to the pool
    }
}
