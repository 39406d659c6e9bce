package org.sockethub.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The build's training run for class-data sharing ({@code --cds-training}, run by Maven with
 * {@code -XX:ArchiveClassesAtExit=cds/host.jsa}): starts the host on an embedded Redis with the
 * workers of the default layout (each writes {@code cds/worker-<platforms>.jsa} as it exits), drives one
 * client through the paths a first user takes (the polling handshake, the websocket, the
 * {@code schemas} handshake, credentials, an echo, a feed and a page refused by the address
 * guard, chat connects to a closed loopback port), then stops. The archives then hold the classes
 * those paths loaded, so the next starts map them instead of loading and verifying them.
 *
 * <p>Loopback only; a failed step is logged and the training goes on (a smaller archive is
 * still an archive).
 */
final class CdsTraining {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PLATFORMS = List.of("dummy", "feeds", "metadata", "irc", "xmpp");
    private static final String AS = "https://www.w3.org/ns/activitystreams";
    private static final String SH = "https://sockethub.org/ns/context/v1.jsonld";

    private CdsTraining() {
    }

    static int run() throws Exception {
        Layout layout = Layout.detect();
        Path cds = layout.home().resolve("cds");
        Files.createDirectories(cds);
        try (var old = Files.newDirectoryStream(cds, "worker-*.jsa")) {
            for (Path archive : old) {
                Files.delete(archive); // a worker must not map the old one while writing the new
            }
        }
        Path work = Files.createTempDirectory("sockethub-cds-");
        int port = freePort();
        ObjectNode config = JSON.createObjectNode();
        ObjectNode workers = config.putObject("workers"); // the default groups, all started at once
        workers.set("prewarm", JSON.valueToTree(PLATFORMS));
        workers.putArray("javaOptions").add("-XX:ArchiveClassesAtExit=" + cds.resolve("worker-{worker}.jsa"))
                .add("-Xlog:cds=off").add("-Xlog:cds+dynamic=off");
        Path configFile = work.resolve("sockethub.config.json");
        Files.writeString(configFile, JSON.writeValueAsString(config));
        RedisLocator.Choice redis = RedisLocator.embedded();
        // the worker writes its archive as it exits: give it time for that before it counts as hung
        System.setProperty("sockethub.worker.stopGraceMs", "60000");
        Thread host = new Thread(() -> {
            try {
                HostMain.run(new String[] {"--port", Integer.toString(port), "--config", configFile.toString(),
                        "--redis.url", redis.url(), "--deploy", work.resolve("deploy").toString()}, Map.of());
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "cds-training-host");
        host.setDaemon(true);
        host.start();
        int code = 0;
        try {
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            awaitWorkers(http, base, 180_000);
            polling(http, base);
            websocket(http, base);
            System.out.println("cds training: done");
        } catch (Exception e) {
            System.out.println("cds training: " + e);
            code = 1;
        }
        // Main exits: the host's shutdown hook stops the framework, which closes the worker's stdin;
        // the worker writes its archive as it exits, and this JVM (writing its own) waits for that
        List<ProcessHandle> workerJvms = ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("--worker")).orElse(false)).toList();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ProcessHandle w : workerJvms) {
                try {
                    w.onExit().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    System.out.println("cds training: worker " + w.pid() + " did not exit: " + e);
                }
            }
            try {
                Thread.sleep(2_000); // the host's own shutdown is done with Redis by then
                redis.embedded().stop();
            } catch (InterruptedException | IOException | RuntimeException ignored) {
                // exiting anyway
            }
            FelixBoot.deleteTree(work.toFile());
        }, "cds-training-workers"));
        return code;
    }

    /** Waits until {@code /health} reports every (prewarmed) worker up. */
    private static void awaitWorkers(HttpClient http, String base, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode health = JSON.readTree(r.body());
                if (r.statusCode() == 200 && health.path("workers").size() >= PLATFORMS.size()) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the host and its worker were not up within " + timeoutMs / 1000 + " s");
    }

    /** Engine.IO's polling handshake and a {@code schemas} request over it. */
    private static void polling(HttpClient http, String base) throws Exception {
        String url = base + "/sockethub/?EIO=4&transport=polling";
        String open = get(http, url);
        String sid = JSON.readTree(open.substring(1)).path("sid").asText();
        String session = url + "&sid=" + sid;
        post(http, session, "40");
        get(http, session); // 40{"sid":…}
        post(http, session, "421[\"schemas\"]");
        String answer = get(http, session);
        if (!answer.startsWith("431")) {
            System.out.println("cds training: polling schemas answered " + answer);
        }
        post(http, session, "1");
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void post(HttpClient http, String url, String body) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("content-type", "text/plain;charset=UTF-8").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A websocket session through every shipped platform. */
    private static void websocket(HttpClient http, String base) throws Exception {
        BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(base.replace("http:", "ws:")
                + "/sockethub/?EIO=4&transport=websocket"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            String frame = text.toString();
                            text.setLength(0);
                            if (frame.equals("2")) {
                                socket.sendText("3", true);
                            } else {
                                frames.add(frame);
                            }
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        Client client = new Client(ws, frames);
        client.await("0");
        ws.sendText("40", true).get(5, TimeUnit.SECONDS);
        client.await("40");
        client.ack("schemas", null);
        ObjectNode me = actor("training", "person");
        client.ack("message", activity("dummy", "echo", me).set("object", message("hello")));
        client.ack("credentials", activity("dummy", "credentials", me).set("object", credentials()));
        client.ack("message", activity("dummy", "greet", me).set("object", message("you")));
        client.ack("message", activity("dummy", "fail", me).set("object", message("no")));
        // refused by the outbound address guard: nothing leaves the machine
        client.ack("message", activity("feeds", "fetch", actor("http://127.0.0.1:1/feed.xml", "feed")));
        client.ack("message", activity("metadata", "fetch", actor("http://127.0.0.1:1/", "website")));
        // chat logins to a closed loopback port: the connection is refused at once
        ObjectNode nick = actor("training@127.0.0.1", "person").put("name", "training");
        client.ack("credentials", activity("irc", "credentials", nick).set("object",
                credentials().put("nick", "training").put("server", "127.0.0.1").put("port", 1).put("secure", false)));
        client.ack("message", activity("irc", "connect", nick));
        ObjectNode jid = actor("training@localhost", "person");
        client.ack("credentials", activity("xmpp", "credentials", jid).set("object", credentials()
                .put("userAddress", "training@localhost").put("password", "training").put("resource", "cds")
                .put("server", "xmpp://127.0.0.1:1")));
        client.ack("message", activity("xmpp", "connect", jid));
        ws.sendText("41", true).get(5, TimeUnit.SECONDS);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    private static ObjectNode activity(String platform, String type, ObjectNode actor) {
        ObjectNode a = JSON.createObjectNode();
        ArrayNode context = a.putArray("@context");
        context.add(AS).add(SH).add("https://sockethub.org/ns/context/platform/" + platform + "/v1.jsonld");
        a.put("type", type);
        a.set("actor", actor);
        return a;
    }

    private static ObjectNode actor(String id, String type) {
        return JSON.createObjectNode().put("id", id).put("type", type);
    }

    private static ObjectNode message(String content) {
        return JSON.createObjectNode().put("type", "message").put("content", content);
    }

    private static ObjectNode credentials() {
        return JSON.createObjectNode().put("type", "credentials");
    }

    /** Socket.IO events with acks over the websocket, one at a time. */
    private record Client(WebSocket ws, BlockingQueue<String> frames) {
        private static int nextId = 1;

        void await(String prefix) throws InterruptedException {
            for (;;) {
                String frame = frames.poll(30, TimeUnit.SECONDS);
                if (frame == null) {
                    throw new IllegalStateException("no frame starting with " + prefix + " within 30 s");
                }
                if (frame.startsWith(prefix)) {
                    return;
                }
            }
        }

        void ack(String event, ObjectNode payload) throws Exception {
            int id = nextId++;
            ArrayNode args = JSON.createArrayNode().add(event);
            if (payload != null) {
                args.add(payload);
            }
            long t0 = System.nanoTime();
            ws.sendText("42" + id + JSON.writeValueAsString(args), true).get(5, TimeUnit.SECONDS);
            try {
                await("43" + id + "[");
                if (Boolean.getBoolean("sockethub.cds.verbose")) {
                    System.out.println("cds training: " + event + " " + (payload == null ? "" : payload.path("type").asText())
                            + " answered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                }
            } catch (IllegalStateException e) {
                System.out.println("cds training: " + event + " " + (payload == null ? "" : payload.path("type").asText())
                        + ": " + e.getMessage());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
