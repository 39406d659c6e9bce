package org.sockethub.jobs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/** The Redis of a test class: {@code REDIS_URL} if set, else an embedded one on a free loopback port. */
final class TestRedis implements AutoCloseable {

    private final RedisServer server;
    private final String url;

    private TestRedis(RedisServer server, String url) {
        this.server = server;
        this.url = url;
    }

    static TestRedis start() throws IOException {
        String given = System.getenv("REDIS_URL");
        if (given != null && !given.isEmpty()) {
            return new TestRedis(null, given);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
        return new TestRedis(server, "redis://127.0.0.1:" + port);
    }

    String url() {
        return url;
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.stop();
        }
    }
}
