package org.sockethub.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.UUID;
import org.redisson.api.RedissonClient;
import org.sockethub.jobs.RedisClients;
import redis.embedded.RedisServer;

/**
 * A real Redis for tests that need one: {@code REDIS_URL} when set, else one of the tests' own
 * on a free loopback port, started once per test JVM and stopped at its exit. Tests keep apart by
 * using a fresh node id ({@link #nodeId()}) in every key.
 */
public final class RedisForTests {

    private static String url;

    private RedisForTests() {
    }

    /** @return the Redis URL */
    public static synchronized String url() {
        if (url == null) {
            String configured = System.getenv("REDIS_URL");
            url = configured != null && !configured.isBlank() ? configured : "redis://127.0.0.1:" + startOwn();
        }
        return url;
    }

    /** @return a new client (the caller shuts it down) */
    public static RedissonClient client() {
        return RedisClients.connect(url(), 4, "sockethub-test");
    }

    /** @return a node id no other test uses */
    public static String nodeId() {
        return "test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static int startOwn() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            RedisServer redis = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build();
            redis.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    redis.stop();
                } catch (IOException ignored) {
                    // exiting
                }
            }));
            return port;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
