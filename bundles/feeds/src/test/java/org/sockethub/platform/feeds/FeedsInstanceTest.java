package org.sockethub.platform.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.testkit.RecordingContext;
import org.sockethub.api.testkit.RecordingJob;

/** The verb through the guard, against a fixture server on 127.0.0.1. */
class FeedsInstanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private String base;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    static PlatformContext context(String config) {
        return new RecordingContext("feeds", "feeds", RecordingContext.withSettings(new FeedsPlatform().descriptor().config(), config));
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestURI().getPath());
            String name = ex.getRequestURI().getPath().substring(1);
            byte[] body;
            try {
                body = FeedMapperTest.fixture(name);
            } catch (Exception e) {
                body = null;
            }
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/rss+xml");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private RecordingJob fetch(FeedsInstance feeds, String url, String object) throws Exception {
        ObjectNode activity = (ObjectNode) JSON.readTree("{\"type\":\"fetch\",\"id\":\"j1\",\"actor\":{\"id\":\"" + url + "\",\"type\":\"feed\"}"
                + (object == null ? "" : ",\"object\":" + object) + "}");
        RecordingJob job = RecordingJob.of(activity, null);
        try {
            feeds.fetch(job);
        } catch (Exception e) {
            job.fail(e);
        }
        feeds.cleanup();
        return job;
    }

    @Test
    void fetchesWithSinceAndLimitWhenTheOperatorAllowsLoopback() throws Exception {
        RecordingJob job = fetch(new FeedsInstance(context("{\"allowPrivateAddresses\":true}"), "1.0.0"), base + "sockethub-news.xml",
                "{\"since\":\"2020-01-01T00:00:00.000Z\",\"limit\":3}");
        assertNull(job.error());
        assertEquals(3, job.result().path("totalItems").asInt());
        assertEquals("j1", job.result().path("id").asText());
    }

    @Test
    void refusesLoopbackByDefault() throws Exception {
        RecordingJob job = fetch(new FeedsInstance(context("{}"), "1.0.0"), base + "rdf.xml", null);
        assertEquals("Error: blocked non-public address 127.0.0.1", job.error());
        assertEquals(List.of(), seen);
    }

    @Test
    void clientFieldsCannotLiftTheRule() throws Exception {
        RecordingJob job = fetch(new FeedsInstance(context("{}"), "1.0.0"), base + "rdf.xml", "{\"allowPrivateAddresses\":true}");
        assertTrue(job.error().startsWith("Error: blocked non-public address"), job.error());
        assertEquals(List.of(), seen);
    }

    @Test
    void httpErrorsNameTheStatus() throws Exception {
        RecordingJob job = fetch(new FeedsInstance(context("{\"allowPrivateAddresses\":true}"), "1.0.0"), base + "missing.xml", null);
        assertEquals("Error: request failed: 404 Not Found for " + base + "missing.xml", job.error());
    }
}
