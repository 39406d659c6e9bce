package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.protocol.RedisCommands;

/** Writes reach Redis in the order they were made, on a kept connection, batched under load. */
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

    private String key;
    private RedisPipeline writer;

    @BeforeEach
    void open() {
        key = "redis-pipeline-test:" + System.nanoTime();
        writer = new RedisPipeline(redis);
    }

    @AfterEach
    void close() {
        writer.close();
        redis.getKeys().delete(key, key + ":list");
    }

    @Test
    void scriptsAndStreamAddsKeepTheirOrder() throws Exception {
        List<CompletableFuture<Object>> written = new ArrayList<>();
        int count = 3000;
        for (int i = 0; i < count; i++) {
            String n = Integer.toString(i);
            if (i % 2 == 0) {
                written.add(writer.write(key, RedisPipeline.EVAL_LONG, "redis.call('XADD', KEYS[1], '*', 'm', ARGV[1]) return 1",
                        1, key, n));
            } else {
                written.add(writer.write(key, RedisPipeline.XADD, key, "*", "m", n));
            }
        }
        CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertEquals(1L, written.get(0).get());
        assertInstanceOf(StreamMessageId.class, written.get(1).get());
        assertEquals(expectedOrder(count), order(key));
    }

    @Test
    void textGoesAsUtf8AndScriptsRunByTheirSha() throws Exception {
        String script = "redis.call('XADD', KEYS[1], '*', 'm', ARGV[1]) return 7";
        String sha = redis.getScript(Utf8Codec.INSTANCE).scriptLoad(script);
        String text = "é ü 漢字 \uD83D\uDE00";
        assertEquals(7L, writer.write(key, RedisPipeline.EVALSHA_LONG, sha, 1, key, text).get(10, TimeUnit.SECONDS));
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> writer.write(key, RedisPipeline.EVALSHA_LONG, "0000000000000000000000000000000000000000", 1, key, "x")
                        .get(10, TimeUnit.SECONDS));
        assertTrue(String.valueOf(unknown.getCause()).contains("NOSCRIPT"), String.valueOf(unknown.getCause()));
        assertEquals(List.of(text), order(key));
        assertEquals(1L, writer.write(key, RedisPipeline.DEL, key).get(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailingCommandFailsOnlyItsOwnWrite() throws Exception {
        CompletableFuture<Object> bad = writer.write(key, RedisPipeline.EVAL_LONG, "return redis.error_reply('no')", 1, key);
        CompletableFuture<Object> good = writer.write(key, RedisPipeline.XADD, key, "*", "m", "x");
        assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
        good.get(10, TimeUnit.SECONDS);
        assertEquals(1, redis.getStream(key).size());
    }

    @Test
    void aBatchWithoutReplyFailsAtTheCommandTimeoutAndTheNextOneGoesThrough() throws Exception {
        // Redis answers BLPOP only after 10 s: longer than the client's command timeout (3 s)
        long sent = System.nanoTime();
        CompletableFuture<Object> blocked = writer.write(key + ":list", RedisCommands.BLPOP_VALUE, key + ":list", 10);
        CompletableFuture<Object> behind = writer.write(key, RedisPipeline.XADD, key, "*", "m", "after");
        ExecutionException timedOut = assertThrows(ExecutionException.class, () -> blocked.get(8, TimeUnit.SECONDS));
        assertInstanceOf(RedisTimeoutException.class, timedOut.getCause());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent) >= 2_900);
        behind.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("after"), order(key));
    }

    @Test
    void everyWriteIsAnsweredWhenItsConnectionIsKilledAndWritesGoThroughAgain() throws Exception {
        writer.write(key, RedisPipeline.XADD, key, "*", "m", "before").get(10, TimeUnit.SECONDS); // its connection is kept
        killClients();
        boolean through = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!through && System.nanoTime() < deadline) {
            try {
                // answered either way within the command timeout, never left waiting
                writer.write(key, RedisPipeline.XADD, key, "*", "m", "after").get(10, TimeUnit.SECONDS);
                through = true;
            } catch (ExecutionException refused) {
                Thread.sleep(100);
            }
        }
        assertTrue(through, "no write went through after the connection was killed");
        assertEquals("before", order(key).get(0));
    }

    private static List<String> expectedOrder(int count) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(Integer.toString(i));
        }
        return expected;
    }

    private static List<String> order(String key) {
        List<String> order = new ArrayList<>();
        redis.<String, String>getStream(key).range(StreamMessageId.MIN, StreamMessageId.MAX).values()
                .forEach(fields -> order.add(fields.get("m")));
        return order;
    }

    /** {@code CLIENT KILL TYPE normal} from a connection of its own (which it spares). */
    private static void killClients() throws IOException {
        URI uri = URI.create(server.url());
        try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write("CLIENT KILL TYPE normal\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            int c = in.read();
            assertEquals(':', c, "CLIENT KILL answered otherwise");
        }
    }
}
