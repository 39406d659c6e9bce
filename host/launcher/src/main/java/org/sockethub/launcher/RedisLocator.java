package org.sockethub.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * Picks the Redis the server uses: a configured one (it must answer, or the start fails), else
 * the one on 127.0.0.1:6379 if it answers, else an embedded Redis on a free loopback port that
 * lives and dies with this process.
 */
final class RedisLocator {

    /**
     * @param url      the Redis URL
     * @param how      how it was chosen, for the log
     * @param embedded the embedded server to stop at exit, or {@code null}
     */
    record Choice(String url, String how, RedisServer embedded) {
    }

    private RedisLocator() {
    }

    /** Where an unconfigured server looks first. */
    static final String LOCAL = "redis://127.0.0.1:6379";

    static Choice locate(String configured) throws ConfigException {
        return locate(configured, LOCAL);
    }

    static Choice locate(String configured, String local) throws ConfigException {
        if (configured != null && !configured.isEmpty()) {
            if (!answers(configured)) {
                throw new ConfigException("Redis at " + redact(configured) + " does not answer");
            }
            return new Choice(configured, "configured", null);
        }
        if (answers(local)) {
            return new Choice(local, "found on " + local.substring("redis://".length()), null);
        }
        try {
            return embedded("embedded (no Redis configured, none on " + local.substring("redis://".length()) + ")");
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("no Redis configured, none on 127.0.0.1:6379, and the embedded Redis did not start: " + e.getMessage());
        }
    }

    /**
     * @return a new embedded Redis on a free loopback port, without persistence
     * @throws IOException if it does not start
     */
    static Choice embedded() throws IOException {
        return embedded("embedded");
    }

    private static Choice embedded(String how) throws IOException {
        int port = freePort();
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").setting("protected-mode yes").build();
        server.start();
        return new Choice("redis://127.0.0.1:" + port, how, server);
    }

    static boolean answers(String url) {
        try (Jedis jedis = new Jedis(URI.create(url), 2000)) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return the URL without its password */
    static String redact(String url) {
        return url.replaceAll("//[^@/]*@", "//***@");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
