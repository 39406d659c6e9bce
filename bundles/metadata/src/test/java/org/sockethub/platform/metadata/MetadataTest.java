package org.sockethub.platform.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.testkit.RecordingContext;
import org.sockethub.api.testkit.RecordingJob;

/** The verb against fixture pages served on 127.0.0.1, and the vectors of spec/platforms.md §6.3–6.4. */
class MetadataTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private String base;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger flaky = new AtomicInteger();

    static PlatformContext context(String config) {
        return new RecordingContext("metadata", "metadata", RecordingContext.withSettings(new MetadataPlatform().descriptor().config(), config));
    }

    static byte[] page(String name) throws IOException {
        try (InputStream in = MetadataTest.class.getResourceAsStream("/pages/" + name)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::serve);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private void serve(HttpExchange ex) throws IOException {
        String name = ex.getRequestURI().getPath().substring(1);
        seen.add(name);
        switch (name) {
            case "flaky.html" -> {
                if (flaky.getAndIncrement() == 0) {
                    send(ex, 500, "text/html", "oops".getBytes(StandardCharsets.UTF_8));
                } else {
                    send(ex, 200, "text/html; charset=utf-8", "<meta property=\"og:title\" content=\"Repeated\">".getBytes(StandardCharsets.UTF_8));
                }
            }
            case "data.json" -> send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            case "empty.html" -> send(ex, 200, "text/html", new byte[0]);
            case "huge.html" -> send(ex, 200, "text/html", new byte[4096]);
            case "slow.html" -> {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                send(ex, 200, "text/html", "<title>late</title>".getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                byte[] body = page(name);
                if (body == null) {
                    send(ex, 404, "text/html", new byte[0]);
                    return;
                }
                String type = name.endsWith(".json") ? "application/json" : "text/html";
                if (name.equals("metadata-test.html")) {
                    body = new String(body, StandardCharsets.UTF_8).replace("{{BASE}}", base).getBytes(StandardCharsets.UTF_8);
                    type = "text/html; charset=utf-8";
                }
                send(ex, 200, type, body);
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private RecordingJob fetch(String config, String url, String name) throws Exception {
        MetadataInstance metadata = new MetadataInstance(context(config), "1.0.0");
        try {
            return fetch(metadata, url, name);
        } finally {
            metadata.cleanup();
        }
    }

    private static RecordingJob fetch(MetadataInstance metadata, String url, String name) throws Exception {
        ObjectNode actor = JSON.createObjectNode().put("id", url).put("type", "website");
        if (name != null) {
            actor.put("name", name);
        }
        ObjectNode activity = JSON.createObjectNode().put("type", "fetch");
        activity.set("actor", actor);
        RecordingJob job = RecordingJob.of(activity, null);
        try {
            metadata.fetch(job);
        } catch (Exception e) {
            job.fail(e);
        }
        return job;
    }

    private static final String ALLOW = "{\"allowPrivateAddresses\":true}";

    @Test
    void integrationFixture() throws Exception {
        RecordingJob job = fetch(ALLOW, base + "metadata-test.html", null);
        assertNull(job.error());
        JsonNode page = job.result().path("object");
        assertEquals("fetch", job.result().path("type").asText());
        assertEquals("page", page.path("type").asText());
        assertEquals("Sockethub Metadata Test", page.path("title").asText());
        assertEquals("Local metadata fixture for integration tests", page.path("description").asText());
        assertEquals(base + "metadata-test.html", page.path("url").asText());
        assertEquals("en", page.path("language").asText());
        assertEquals("utf-8", page.path("charset").asText());
        assertEquals("/favicon.ico", page.path("favicon").asText());
        assertEquals(JSON.readTree("{\"id\":\"" + base + "metadata-test.html\",\"type\":\"website\",\"name\":\"\"}"), job.result().path("actor"));
        assertEquals("Requested Name", fetch(ALLOW, base + "metadata-test.html", "Requested Name").result().path("actor").path("name").asText());
    }

    /** page, expected fields of the page object (subset, JSON). */
    static Stream<Arguments> pages() {
        return Stream.of(
            Arguments.of("twitter.html", "{\"title\":\"Only Twitter Tags\",\"description\":\"Described by a\\nTwitter card\","
                + "\"image\":[{\"url\":\"https://cdn.example.com/card.png\",\"type\":\"png\",\"alt\":\"A card image\"}],\"favicon\":\"/static/icon.svg\"}"),
            Arguments.of("jsonld.html", "{\"title\":\"Structured Headline\",\"description\":\"Structured description.\",\"name\":\"Example News\","
                + "\"language\":\"de\",\"url\":\"https://example.com/news/1\","
                + "\"image\":[{\"url\":\"https://example.com/lead.jpg\",\"type\":\"jpg\",\"width\":1200,\"height\":675,\"alt\":\"Lead image\"}],"
                + "\"video\":{\"url\":\"https://example.com/clip.mp4\",\"thumbnail\":\"https://example.com/clip.jpg\",\"width\":1920,\"height\":1080,\"duration\":12.5}}"),
            Arguments.of("product.html", "{\"title\":\"Widget 3000\",\"description\":\"The best widget.\","
                + "\"image\":[{\"url\":\"https://shop.example.com/widget.webp\",\"type\":\"webp\"}]}"),
            Arguments.of("oembed.html", "{\"title\":\"Title From oEmbed\",\"name\":\"Example Video\","
                + "\"image\":[{\"url\":\"https://video.example.com/thumb.jpg\",\"width\":480,\"height\":360}]}"),
            Arguments.of("og-images.html", "{\"title\":\"Images\",\"name\":\"Image Site\",\"language\":\"en_US\",\"favicon\":\"https://x/i.svg\","
                + "\"image\":[{\"url\":\"https://example.com/anim.gif\",\"type\":\"gif\"},"
                + "{\"url\":\"https://example.com/large.png\",\"width\":\"1200\",\"height\":\"630\",\"type\":\"image/png\"},"
                + "{\"url\":\"https://example.com/small.jpg\",\"width\":\"200\",\"height\":\"100\",\"alt\":\"Small\",\"type\":\"jpg\"}],"
                + "\"video\":{\"url\":\"https://example.com/movie.mp4\",\"width\":1280,\"height\":720,\"thumbnail\":\"https://example.com/anim.gif\"}}"),
            Arguments.of("fallbacks.html", "{\"title\":\"Fallback Title\",\"description\":\"First paragraph\\n\\nSecond paragraph\","
                + "\"url\":\"https://example.com/canonical\",\"charset\":\"windows-1252\",\"favicon\":\"/favicon.ico\","
                + "\"image\":[{\"url\":\"https://example.com/a.jpg\",\"type\":\"jpg\",\"width\":640,\"height\":480}]}"),
            Arguments.of("cp1252.html", "{\"title\":\"Café crème\",\"charset\":\"windows-1252\"}")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void scrapesPages(String name, String expected) throws Exception {
        RecordingJob job = fetch(ALLOW, base + name, null);
        assertNull(job.error(), job.error());
        JsonNode page = job.result().path("object");
        JSON.readTree(expected).fields().forEachRemaining(f -> assertEquals(f.getValue().toString(), String.valueOf(page.get(f.getKey())), f.getKey() + " in " + page));
        List<String> allowed = List.of("type", "language", "title", "name", "description", "image", "video", "url", "favicon", "charset");
        page.fieldNames().forEachRemaining(k -> assertTrue(allowed.contains(k), "unexpected key " + k));
        assertEquals(page.path("url").asText(), job.result().path("actor").path("id").asText());
    }

    @Test
    void onePooledClientSurvivesAFailure() throws Exception {
        MetadataInstance metadata = new MetadataInstance(context(ALLOW), "1.0.0");
        try {
            assertTrue(fetch(metadata, base + "flaky.html", null).error().contains("500 Internal Server Error"));
            assertEquals("Repeated", fetch(metadata, base + "flaky.html", null).result().path("object").path("title").asText());
            assertEquals("Repeated", fetch(metadata, base + "flaky.html", null).result().path("object").path("title").asText());
        } finally {
            metadata.cleanup();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing.html|{}|Error: 404 Not Found",
        "data.json|{}|Error: Page must return a header content-type with text/",
        "empty.html|{}|Error: Page not found",
        "photo.JPG|{}|Error: Must scrape an HTML page",
        "huge.html|{\"maxBodyBytes\":1024}|Error: response body too large (limit 1024 bytes)",
        "slow.html|{\"timeoutMs\":500}|Error: timed out after 500 ms"
    })
    void clearErrors(String name, String config, String error) throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree(config);
        c.put("allowPrivateAddresses", true);
        assertEquals(error, fetch(c.toString(), base + name, null).error());
    }

    @Test
    void refusesLoopbackUnlessTheOperatorAllowsIt() throws Exception {
        assertEquals("Error: blocked non-public address 127.0.0.1", fetch("{}", base + "metadata-test.html", null).error());
        assertTrue(fetch("{}", base.replace("127.0.0.1", "localhost") + "metadata-test.html", null).error()
                .matches("Error: blocked non-public address (127\\.0\\.0\\.1|::1) for localhost"));
        assertEquals(List.of(), seen);
    }

    @Test
    void oEmbedLinksAreFetchedThroughTheGuardToo() throws Exception {
        // the page is allowed (127.0.0.1) but its oEmbed endpoint (127.0.0.2) is not: it is never requested
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
        List<String> seenByOther = new CopyOnWriteArrayList<>();
        other.createContext("/", ex -> {
            seenByOther.add(ex.getRequestURI().getPath());
            send(ex, 200, "application/json", page("oembed.json"));
        });
        other.start();
        byte[] html = ("<html><head><link rel=\"alternate\" type=\"application/json+oembed\" href=\"http://127.0.0.2:"
                + other.getAddress().getPort() + "/oembed.json\"><title>Page title</title></head></html>").getBytes(StandardCharsets.UTF_8);
        server.createContext("/internal-oembed.html", ex -> send(ex, 200, "text/html", html));
        java.net.InetAddress fixture = java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        MetadataInstance metadata = new MetadataInstance(context("{}"), org.sockethub.api.http.HttpGuard.builder().permit(fixture::equals).build());
        try {
            RecordingJob job = fetch(metadata, base + "internal-oembed.html", null);
            assertNull(job.error());
            assertEquals("Page title", job.result().path("object").path("title").asText());
            assertFalse(job.result().path("object").has("name"));
        } finally {
            metadata.cleanup();
            other.stop(0);
        }
        assertEquals(List.of(), seenByOther);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'  First\tline  \r\n\r\n\r\n\r\n Second\u00a0 line '|'First line\n\nSecond line'",
        "'First paragraph\n\n\n\nSecond paragraph'|'First paragraph\n\nSecond paragraph'",
        "'one\ntwo\n\nthree'|'one\ntwo\n\nthree'"
    })
    void normalisesDescriptions(String in, String out) {
        assertEquals(unescape(out), PageScraper.normalise(unescape(in)));
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\u00a0", "\u00a0");
    }
}
