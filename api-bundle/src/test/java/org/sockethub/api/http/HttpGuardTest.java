package org.sockethub.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guard end to end against JDK HTTP servers on loopback only. With private addresses refused,
 * only loopback spellings are tried: a broken guard must never be able to send a request off
 * this machine.
 */
class HttpGuardTest {

    private HttpServer server;
    private HttpServer other;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final List<String> seenByOther = new CopyOnWriteArrayList<>();
    private int port;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        port = server.getAddress().getPort();
        server.createContext("/", ex -> {
            seen.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("User-Agent"));
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/ok" -> send(ex, 200, "text/plain; charset=utf-8", "hello".getBytes(StandardCharsets.UTF_8));
                case "/hop" -> redirect(ex, "/ok");
                case "/loop" -> redirect(ex, "/loop");
                case "/away" -> redirect(ex, "http://127.0.0.2:" + other.getAddress().getPort() + "/secret");
                case "/ftp" -> redirect(ex, "ftp://127.0.0.1/x");
                case "/big" -> {
                    ex.sendResponseHeaders(200, 0); // chunked: no length to trust
                    try (OutputStream out = ex.getResponseBody()) {
                        byte[] chunk = new byte[64 * 1024];
                        for (int i = 0; i < 200; i++) {
                            out.write(chunk);
                        }
                    } catch (IOException cutOff) {
                        // the guard hung up, as it should
                    }
                }
                case "/declared-big" -> send(ex, 200, "text/plain", new byte[3000]);
                case "/slow" -> {
                    ex.sendResponseHeaders(200, 0);
                    try (OutputStream out = ex.getResponseBody()) {
                        for (int i = 0; i < 50; i++) {
                            out.write('x');
                            out.flush();
                            Thread.sleep(100);
                        }
                    } catch (IOException | InterruptedException cutOff) {
                        // expected
                    }
                }
                default -> send(ex, 404, "text/plain", new byte[0]);
            }
        });
        server.start();
        other = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
        other.createContext("/", ex -> {
            seenByOther.add(ex.getRequestURI().getPath());
            send(ex, 200, "text/plain", "secret".getBytes(StandardCharsets.UTF_8));
        });
        other.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        other.stop(0);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().set("Location", to);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private static final InetAddress FIXTURE = loopback();

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Allows exactly 127.0.0.1, the fixture server, and nothing else that is not public. */
    private HttpGuard.Builder onlyFixture() {
        return HttpGuard.builder().permit(FIXTURE::equals);
    }

    @ParameterizedTest(name = "refused: {0}")
    @ValueSource(strings = {"127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "localhost", "2130706433", "0x7f000001",
        "0177.0.0.1", "127.1", "[::ffff:7f00:1]", "[::127.0.0.1]"})
    void refusesLoopbackFormsQuicklyWithoutARequest(String host) {
        try (HttpGuard guard = HttpGuard.builder().build()) {
            long start = System.nanoTime();
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://" + host + ":" + port + "/ok"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(GuardException.Reason.BLOCKED_ADDRESS, e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("blocked non-public address "), e.getMessage());
            assertTrue(ms < 1000, "refused in " + ms + " ms");
        }
        assertEquals(List.of(), seen, "the fixture server saw no request");
    }

    @Test
    void namesTheHostWhenANameWasGiven() {
        try (HttpGuard guard = HttpGuard.builder().build()) {
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://localhost:" + port + "/ok"));
            assertTrue(e.getMessage().matches("blocked non-public address (127\\.0\\.0\\.1|::1) for localhost"), e.getMessage());
            e = assertThrows(GuardException.class, () -> guard.get("https://169.254.169.254/latest/meta-data/"));
            assertEquals("blocked non-public address 169.254.169.254", e.getMessage());
        }
        assertEquals(List.of(), seen);
    }

    @Test
    void fetchesWhenAllowedAndSendsTheUserAgent() throws Exception {
        try (HttpGuard guard = HttpGuard.builder().allowPrivateAddresses(true).userAgent("TestAgent/1").build()) {
            GuardedResponse r = guard.get("http://127.0.0.1:" + port + "/hop");
            assertEquals(200, r.status());
            assertEquals("hello", new String(r.body(), StandardCharsets.UTF_8));
            assertEquals("text/plain", r.mediaType().orElseThrow());
            assertEquals(StandardCharsets.UTF_8, r.charset().orElseThrow());
            assertEquals("/ok", r.url().getPath());
            r = guard.get("http://localhost:" + port + "/ok");
            assertEquals(200, r.status());
        }
        assertEquals(List.of("/hop TestAgent/1", "/ok TestAgent/1", "/ok TestAgent/1"), seen);
    }

    @Test
    void refusesARedirectToAnAddressNotAllowedAtTheSecondHop() {
        try (HttpGuard guard = onlyFixture().build()) {
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://127.0.0.1:" + port + "/away"));
            assertEquals("blocked non-public address 127.0.0.2", e.getMessage());
        }
        assertEquals(List.of("/away " + HttpGuard.builder().build().userAgent()), seen, "the first hop was fetched");
        assertEquals(List.of(), seenByOther, "the second hop never was");
    }

    @Test
    void capsRedirects() {
        try (HttpGuard guard = onlyFixture().maxRedirects(3).build()) {
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://127.0.0.1:" + port + "/loop"));
            assertEquals("redirect count exceeded", e.getMessage());
        }
        assertEquals(4, seen.size());
    }

    @Test
    void refusesOtherSchemesAtAnyHop() {
        try (HttpGuard guard = onlyFixture().build()) {
            assertEquals("unsupported URL scheme file", assertThrows(GuardException.class, () -> guard.get("file:///etc/passwd")).getMessage());
            assertEquals("unsupported URL scheme ftp", assertThrows(GuardException.class,
                    () -> guard.get("http://127.0.0.1:" + port + "/ftp")).getMessage());
            assertEquals("invalid URL: http://host/a b", assertThrows(GuardException.class,
                    () -> guard.get("http://user:secret@host/a b")).getMessage());
        }
    }

    @Test
    void cutsOffAnOversizedBody() {
        try (HttpGuard guard = onlyFixture().maxBodyBytes(1024 * 1024).build()) {
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://127.0.0.1:" + port + "/big"));
            assertEquals("response body too large (limit 1048576 bytes)", e.getMessage());
        }
        try (HttpGuard guard = onlyFixture().maxBodyBytes(2000).build()) {
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://127.0.0.1:" + port + "/declared-big"));
            assertEquals(GuardException.Reason.TOO_LARGE, e.reason());
        }
    }

    @Test
    void cutsOffASlowServer() {
        try (HttpGuard guard = onlyFixture().timeout(Duration.ofMillis(800)).build()) {
            long start = System.nanoTime();
            GuardException e = assertThrows(GuardException.class, () -> guard.get("http://127.0.0.1:" + port + "/slow"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals("timed out after 800 ms", e.getMessage());
            assertTrue(ms < 3000, "cut off after " + ms + " ms");
        }
    }

    @Test
    void readsOperatorSettingsOnly() throws Exception {
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(
                "{\"allowPrivateAddresses\":\"true\",\"userAgent\":\"Op/2\",\"maxRedirects\":2,\"maxBodyBytes\":10,\"connectTimeoutMs\":1500}");
        try (HttpGuard guard = HttpGuard.fromConfig(config, "Default/1")) {
            assertEquals("Op/2", guard.userAgent());
            assertEquals(10, guard.maxBodyBytes());
            assertEquals(Duration.ofMillis(1500), guard.timeout());
            assertThrows(GuardException.class, () -> guard.get("http://127.0.0.1:" + port + "/ok"),
                    "only the boolean true lifts the address rule");
        }
        assertEquals(List.of(), seen);
    }

    @Test
    void redactsCredentials() {
        assertEquals("https://example.com/feed", HttpGuard.redact("https://user:pw@example.com/feed"));
    }
}
