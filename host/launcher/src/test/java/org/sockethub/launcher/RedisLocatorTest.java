package org.sockethub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Redis selection, on loopback only: configured, found locally, or embedded. */
class RedisLocatorTest {

    private static String nothingListening() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "redis://127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void startsAnEmbeddedRedisWhenNoneIsConfiguredOrFound() throws Exception {
        RedisLocator.Choice choice = RedisLocator.locate("", nothingListening());
        try {
            assertNotNull(choice.embedded());
            assertTrue(choice.how().startsWith("embedded"), choice.how());
            assertTrue(RedisLocator.answers(choice.url()), choice.url());
        } finally {
            choice.embedded().stop();
        }
        assertEquals(false, RedisLocator.answers(choice.url()));
    }

    @Test
    void aRedisClusterIsUsedOnceOneOfItsNodesAnswersAndNamedWhenNoneDoes() throws Exception {
        RedisLocator.Choice one = RedisLocator.locate("", nothingListening());
        try {
            String silent = nothingListening();
            RedisLocator.Choice cluster = RedisLocator.cluster(java.util.List.of(silent, one.url()), 0, line -> { });
            assertNull(cluster.embedded());
            assertEquals("cluster, configured", cluster.how());
            assertEquals(silent + "," + one.url(), cluster.url());
        } finally {
            one.embedded().stop();
        }
        String a = nothingListening();
        String b = "redis://:secret@" + nothingListening().substring("redis://".length());
        java.util.List<String> lines = new java.util.ArrayList<>();
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> RedisLocator.cluster(java.util.List.of(a, b), 1200, lines::add));
        assertEquals("no node of the Redis Cluster " + a + "," + RedisLocator.redact(b) + " answers", e.getMessage());
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("retrying every second") && !lines.get(0).contains("secret"), lines.get(0));
    }

    @Test
    void usesTheLocalRedisWhenItAnswers() throws Exception {
        RedisLocator.Choice embedded = RedisLocator.locate("", nothingListening());
        try {
            RedisLocator.Choice found = RedisLocator.locate("", embedded.url());
            assertNull(found.embedded());
            assertEquals(embedded.url(), found.url());
        } finally {
            embedded.embedded().stop();
        }
    }

    @Test
    void embeddedAsTheConfiguredUrlStartsOneEvenWhenTheLocalRedisAnswers() throws Exception {
        RedisLocator.Choice local = RedisLocator.locate("", nothingListening());
        try {
            RedisLocator.Choice asked = RedisLocator.locate("embedded", local.url());
            try {
                assertNotNull(asked.embedded());
                assertTrue(!asked.url().equals(local.url()) && RedisLocator.answers(asked.url()), asked.url());
                assertEquals("embedded, as configured", asked.how());
            } finally {
                asked.embedded().stop();
            }
        } finally {
            local.embedded().stop();
        }
    }

    @Test
    void aConfiguredRedisThatIsNotUpYetIsWaitedFor() throws Exception {
        String url = nothingListening();
        int port = java.net.URI.create(url).getPort();
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(1500);
                redis.embedded.RedisServer server = redis.embedded.RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                        .setting("save \"\"").setting("appendonly no").build();
                server.start();
                started.set(server);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        late.start();
        try {
            RedisLocator.Choice choice = RedisLocator.locate(url, RedisLocator.LOCAL, 20_000, lines::add);
            assertEquals(url, choice.url());
            assertTrue(lines.get(0).startsWith("Redis at " + url + " does not answer; retrying every second"), lines.toString());
            assertEquals("Redis at " + url + " answers", lines.get(1));
        } finally {
            late.join();
            if (started.get() != null) {
                started.get().stop();
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicReference<redis.embedded.RedisServer> started = new java.util.concurrent.atomic.AtomicReference<>();

    @Test
    void aConfiguredRedisThatDoesNotAnswerIsAStartError() throws Exception {
        String url = nothingListening();
        ConfigException e = assertThrows(ConfigException.class, () -> RedisLocator.locate(url, RedisLocator.LOCAL));
        assertEquals("Redis at " + url + " does not answer", e.getMessage());
        assertEquals("redis://***@127.0.0.1:6379", RedisLocator.redact("redis://user:secret@127.0.0.1:6379"));
    }
}
