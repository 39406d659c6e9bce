package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.client.codec.StringCodec;

/** The codec writes exactly the bytes Redisson's StringCodec writes, and reads them back as it does. */
class Utf8CodecTest {

    private static final List<String> VALUES = List.of("", "plain ascii", "base64+/=AbC0123456789",
            "é ü ß", "日本語", "emoji \uD83D\uDE00 pair", "\u0000 nul and \u007F", "x".repeat(70_000));

    private static TestRedis server;
    private static RedissonClient redis;

    @BeforeAll
    static void redis() throws Exception {
        server = TestRedis.start();
        redis = RedisClients.connect(server.url(), 2, "utf8-codec-test");
    }

    @AfterAll
    static void stop() throws Exception {
        redis.shutdown();
        server.close();
    }

    @Test
    void encodesAsStringCodecDoes() throws Exception {
        for (String value : VALUES) {
            assertArrayEquals(bytes(StringCodec.INSTANCE.getValueEncoder().encode(value)),
                    bytes(Utf8Codec.INSTANCE.getValueEncoder().encode(value)), value);
            assertArrayEquals(bytes(StringCodec.INSTANCE.getMapKeyEncoder().encode(value)),
                    bytes(Utf8Codec.INSTANCE.getMapKeyEncoder().encode(value)), value);
        }
        // a value that is not a String goes as its toString(), as with StringCodec
        assertArrayEquals(bytes(StringCodec.INSTANCE.getValueEncoder().encode(42L)),
                bytes(Utf8Codec.INSTANCE.getValueEncoder().encode(42L)));
    }

    @Test
    void roundTripsThroughRedis() {
        String key = "utf8-codec-test:" + System.nanoTime();
        for (String value : VALUES) {
            redis.<String, String>getStream(key).add(StreamAddArgs.entry("f", value));
        }
        List<String> read = redis.<String, String>getStream(key)
                .range(org.redisson.api.stream.StreamMessageId.MIN, org.redisson.api.stream.StreamMessageId.MAX)
                .values().stream().map(fields -> fields.get("f")).toList();
        assertEquals(VALUES, read);
        // what a script sees is the same bytes: its length in bytes is the UTF-8 length
        for (String value : VALUES) {
            Long length = redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_ONLY, "return string.len(ARGV[1])",
                    RScript.ReturnType.LONG, List.of(), value);
            assertEquals(value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, length, value);
        }
        // the client's default codec: a bucket, a map
        redis.<String>getBucket(key + ":b").set("日本語 ok");
        assertEquals("日本語 ok", redis.<String>getBucket(key + ":b").get());
        redis.<String, String>getMap(key + ":m").put("clé", "valeur ü");
        assertEquals(Map.of("clé", "valeur ü"), redis.<String, String>getMap(key + ":m").readAllMap());
    }

    private static byte[] bytes(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }
}
