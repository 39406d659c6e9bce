package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.client.codec.StringCodec;

/** Writes reach Redis in the order they were made, over a pool of connections, batched under load. */
class RedisPipelineTest {

    private static TestRedis server;
    private static RedissonClient redis;

    @BeforeAll
    static void redis() throws Exception {
        server = TestRedis.start();
        redis = RedisClients.connect(server.url(), 8, "redis-pipeline-test");
    }

    @AfterAll
    static void stop() throws Exception {
        redis.shutdown();
        server.close();
    }

    @Test
    void scriptsAndStreamAddsKeepTheirOrder() throws Exception {
        String key = "redis-pipeline-test:" + System.nanoTime();
        RedisPipeline writer = new RedisPipeline(redis);
        List<CompletableFuture<Object>> written = new ArrayList<>();
        int count = 3000;
        for (int i = 0; i < count; i++) {
            String n = Integer.toString(i);
            if (i % 2 == 0) {
                written.add(writer.write(batch -> batch.getScript(StringCodec.INSTANCE).evalAsync(RScript.Mode.READ_WRITE,
                        "redis.call('XADD', KEYS[1], '*', 'm', ARGV[1]) return 1", RScript.ReturnType.LONG,
                        List.of(key), n)));
            } else {
                written.add(writer.write(batch -> batch.<String, String>getStream(key).addAsync(StreamAddArgs.entry("m", n))));
            }
        }
        CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertEquals(1L, written.get(0).get());
        List<String> order = new ArrayList<>();
        redis.<String, String>getStream(key).range(org.redisson.api.stream.StreamMessageId.MIN,
                org.redisson.api.stream.StreamMessageId.MAX).values().forEach(fields -> order.add(fields.get("m")));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, order);
        redis.getKeys().delete(key);
    }

    @Test
    void aFailingCommandFailsOnlyItsOwnWrite() throws Exception {
        String key = "redis-pipeline-test:" + System.nanoTime();
        RedisPipeline writer = new RedisPipeline(redis);
        CompletableFuture<Object> bad = writer.write(batch -> batch.getScript(StringCodec.INSTANCE).evalAsync(RScript.Mode.READ_WRITE,
                "return redis.error_reply('no')", RScript.ReturnType.LONG, List.of(key)));
        CompletableFuture<Object> good = writer.write(batch -> batch.<String, String>getStream(key).addAsync(StreamAddArgs.entry("m", "x")));
        try {
            bad.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the failing script succeeded");
        } catch (java.util.concurrent.ExecutionException expected) {
            // its own failure
        }
        good.get(10, TimeUnit.SECONDS);
        assertEquals(1, redis.getStream(key).size());
        redis.getKeys().delete(key);
    }
}
