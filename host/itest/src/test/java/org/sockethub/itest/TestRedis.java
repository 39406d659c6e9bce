package org.sockethub.itest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/**
 * A Redis of the test's own on a free loopback port (REDIS_URL's port is not used: the test
 * scans nothing, but it must not share state). Kept out of the test class, which Pax Exam also
 * loads inside OSGi where this library does not exist.
 */
final class TestRedis {

    private TestRedis() {
    }

    static int start() throws IOException {
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
    }
}
