package org.sockethub.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.redisson.api.RBucket;
import org.redisson.api.RList;
import org.redisson.api.RedissonClient;
import org.sockethub.jobs.Utf8Codec;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.gateway.Gateway;
import org.sockethub.gateway.pipeline.Activities;
import org.sockethub.gateway.transport.ClientSocket;
import org.sockethub.gateway.transport.CorsOrigins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP actions (spec §6.6): {@code POST <path>} runs one activity, an array of them, or
 * {@code {requestId, messages}} through the same pipeline as a socket, in a session of its own, and
 * streams one JSON line per payload ({@code application/x-ndjson}): first the credentials, in
 * order, then every other payload's answer as it completes. With a request id, the lines are kept
 * in Redis for {@code idempotencyTtlMs} and a repeat (a POST with the same id, or
 * {@code GET <path>/<id>}) replays them. Differences from the reference, on purpose: errors are
 * JSON without internals, and an optional bearer token ({@code httpActions.token}).
 *
 * <p>A request waits for its jobs' answers on a thread of this servlet's own pool (at most
 * {@value #MAX_REQUESTS} requests at once; one more is answered 503 at once), never on one of
 * Jetty's, which serve every socket: Jetty's pool is sized for work that does not wait.
 */
public final class HttpActionsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HttpActionsServlet.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern REQUEST_ID = Pattern.compile("^[A-Za-z0-9._:-]+$");
    private static final String NO_PAYLOADS = "request body must be a payload object or array of payloads";
    private static final String STATUS = "sockethub:http-actions:status:";
    private static final String RESULTS = "sockethub:http-actions:results:";
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int MAX_REQUESTS = 200;

    private final transient Gateway gateway;
    private final transient RedissonClient redis;
    private final transient TrustProxy trustProxy;
    private final transient HttpRateLimit rateLimit;
    private final HttpActionsSettings settings;
    private final String[] origins;
    private final transient ThreadPoolExecutor requests;

    /**
     * @param gateway    runs the payloads
     * @param redis      for idempotency and the rate limit
     * @param settings   the endpoint's settings
     * @param trustProxy how to find the client address
     */
    public HttpActionsServlet(Gateway gateway, RedissonClient redis, HttpActionsSettings settings, TrustProxy trustProxy) {
        this.gateway = gateway;
        this.redis = redis;
        this.settings = settings;
        this.trustProxy = trustProxy;
        this.rateLimit = new HttpRateLimit(redis, settings.rateWindowMs(), settings.rateMax());
        this.origins = CorsOrigins.parse(settings.corsOrigin(), LOG::warn);
        this.requests = new ThreadPoolExecutor(0, MAX_REQUESTS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "sockethub-http-actions");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void destroy() {
        requests.shutdownNow();
    }

    /** What a request does, on the servlet's pool. */
    private interface Work {
        void run(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }

    /** Runs a request's work on the servlet's own pool, the response open until it ends. */
    private void detach(HttpServletRequest request, HttpServletResponse response, Work work) throws IOException {
        cors(request, response);
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the request's own deadlines (requestTimeoutMs, idleTimeoutMs) end it
        try {
            requests.execute(() -> {
                try {
                    work.run(request, response);
                } catch (IOException | RuntimeException e) {
                    LOG.debug("http actions request ended: {}", e.toString());
                } finally {
                    async.complete();
                }
            });
        } catch (RejectedExecutionException busy) {
            try {
                refuse(response, new Refusal(503, "server busy: " + MAX_REQUESTS + " HTTP action requests at once; try again later"));
            } finally {
                async.complete();
            }
        }
    }

    /** A refusal before any line is written. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final ObjectNode body;

        Refusal(int status, String error) {
            this(status, error, null);
        }

        Refusal(int status, String error, String requestId) {
            super(error, null, false, false);
            this.status = status;
            this.body = NODES.objectNode().put("error", error);
            if (requestId != null) {
                body.put("requestId", requestId);
            }
        }
    }

    @Override
    protected void doOptions(HttpServletRequest request, HttpServletResponse response) {
        cors(request, response);
        response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        response.setHeader("Access-Control-Allow-Headers", "Content-Type, X-Request-Id, X-Sockethub-Request-Id, Authorization");
        response.setHeader("Access-Control-Max-Age", "600");
        response.setStatus(204);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        detach(request, response, this::post);
    }

    private void post(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            String address = admit(request, response);
            JsonNode body = readBody(request);
            List<JsonNode> payloads = payloadsOf(body);
            if (payloads.size() > settings.maxMessagesPerRequest()) {
                throw new Refusal(413, "payload limit exceeded (max " + settings.maxMessagesPerRequest() + ")");
            }
            String requestId = requestIdOf(request, body instanceof ObjectNode o && o.has("messages") ? o.get("requestId") : null);
            boolean idempotent = requestId != null;
            if (!idempotent) {
                if (settings.requireRequestId()) {
                    throw new Refusal(400, "requestId is required");
                }
                requestId = "req-" + HexFormat.of().formatHex(randomBytes(12));
            } else if (!claim(requestId)) {
                replay(requestId, response);
                return;
            }
            run(address, requestId, idempotent, payloads, response);
        } catch (Refusal refusal) {
            refuse(response, refusal);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        detach(request, response, this::get);
    }

    private void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            admit(request, response);
            String fromPath = request.getPathInfo() == null ? null : request.getPathInfo().replaceFirst("^/", "");
            String id = fromPath != null && !fromPath.isEmpty() ? fromPath : request.getParameter("requestId");
            String requestId = id != null ? validRequestId(id) : requestIdOf(request, null);
            if (requestId == null) {
                throw new Refusal(400, "requestId is required");
            }
            replay(requestId, response);
        } catch (Refusal refusal) {
            refuse(response, refusal);
        }
    }

    /** The rate limit, then the token. @return the client address */
    private String admit(HttpServletRequest request, HttpServletResponse response) throws Refusal {
        String address = trustProxy.clientAddress(request.getRemoteAddr(), request.getHeader("X-Forwarded-For"));
        if (!rateLimit.allow(address, response)) {
            throw new Refusal(429, "Too many requests, please try again later.");
        }
        if (!settings.token().isEmpty()) {
            String given = request.getHeader("Authorization");
            byte[] expected = ("Bearer " + settings.token()).getBytes(StandardCharsets.UTF_8);
            if (given == null || !MessageDigest.isEqual(expected, given.trim().getBytes(StandardCharsets.UTF_8))) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"sockethub\"");
                throw new Refusal(401, "unauthorized");
            }
        }
        return address;
    }

    private JsonNode readBody(HttpServletRequest request) throws IOException, Refusal {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).contains("json")) {
            throw new Refusal(400, NO_PAYLOADS);
        }
        long limit = settings.maxPayloadBytes();
        if (request.getContentLengthLong() > limit) {
            throw new Refusal(413, "request body too large (max " + limit + " bytes)");
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        }
        if (bytes.length > limit) {
            throw new Refusal(413, "request body too large (max " + limit + " bytes)");
        }
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || body.isMissingNode()) {
                throw new Refusal(400, "invalid JSON in request body");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new Refusal(400, "invalid JSON in request body");
        }
    }

    private static List<JsonNode> payloadsOf(JsonNode body) throws Refusal {
        List<JsonNode> payloads = new ArrayList<>();
        if (body instanceof ArrayNode array) {
            array.forEach(payloads::add);
        } else if (body instanceof ObjectNode object && object.get("messages") instanceof ArrayNode messages) {
            messages.forEach(payloads::add);
        } else if (body instanceof ObjectNode object) {
            payloads.add(object);
        }
        if (payloads.isEmpty()) {
            throw new Refusal(400, NO_PAYLOADS);
        }
        return payloads;
    }

    /** The id from X-Request-Id, X-Sockethub-Request-Id or the body, checked; {@code null} if none. */
    private static String requestIdOf(HttpServletRequest request, JsonNode fromBody) throws Refusal {
        for (String candidate : new String[] {request.getHeader("X-Request-Id"), request.getHeader("X-Sockethub-Request-Id"),
                fromBody != null && fromBody.isTextual() ? fromBody.asText() : null}) {
            if (candidate != null && !candidate.trim().isEmpty()) {
                return validRequestId(candidate);
            }
        }
        return null;
    }

    private static String validRequestId(String raw) throws Refusal {
        String id = raw.trim();
        if (id.length() > 128) {
            throw new Refusal(400, "requestId must be at most 128 characters");
        }
        if (!REQUEST_ID.matcher(id).matches()) {
            throw new Refusal(400, "requestId contains invalid characters");
        }
        return id;
    }

    /** @return {@code true} if this request now owns the id, {@code false} if it is complete (replay) */
    private boolean claim(String requestId) throws Refusal {
        try {
            RBucket<String> status = redis.getBucket(STATUS + requestId, Utf8Codec.INSTANCE);
            for (int attempt = 0; attempt < 5; attempt++) {
                if (status.setIfAbsent("in-progress", Duration.ofMillis(settings.idempotencyTtlMs()))) {
                    RList<String> results = redis.getList(RESULTS + requestId, Utf8Codec.INSTANCE);
                    results.delete();
                    return true;
                }
                String now = status.get();
                if ("complete".equals(now)) {
                    return false;
                }
                if ("in-progress".equals(now)) {
                    throw new Refusal(409, "request already in progress", requestId);
                }
                // it expired just now: claim again
            }
            throw new Refusal(409, "request already in progress", requestId);
        } catch (RuntimeException e) {
            LOG.warn("idempotency store: {}", e.toString());
            throw new Refusal(503, "idempotency store unavailable");
        }
    }

    private void replay(String requestId, HttpServletResponse response) throws IOException, Refusal {
        String status;
        List<String> lines;
        try {
            status = redis.<String>getBucket(STATUS + requestId, Utf8Codec.INSTANCE).get();
            lines = "complete".equals(status) ? redis.<String>getList(RESULTS + requestId, Utf8Codec.INSTANCE).readAll() : List.of();
        } catch (RuntimeException e) {
            LOG.warn("idempotency store: {}", e.toString());
            throw new Refusal(503, "idempotency store unavailable");
        }
        if (status == null) {
            throw new Refusal(404, "request not found", requestId);
        }
        if (!"complete".equals(status)) {
            response.setStatus(202);
            response.setContentType("application/json");
            response.getOutputStream().write(JSON.writeValueAsBytes(
                    NODES.objectNode().put("status", "in-progress").put("requestId", requestId)));
            return;
        }
        streamHeaders(response, requestId);
        response.setHeader("X-Idempotent-Replay", "true");
        OutputStream out = response.getOutputStream();
        for (String line : lines) {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
    }

    private static void streamHeaders(HttpServletResponse response, String requestId) {
        response.setStatus(200);
        response.setContentType("application/x-ndjson");
        response.setCharacterEncoding("utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Request-Id", requestId);
        response.setHeader("X-Accel-Buffering", "no");
    }

    /** Runs the payloads in a session of their own and streams their lines. */
    private void run(String address, String requestId, boolean idempotent, List<JsonNode> payloads,
                     HttpServletResponse response) throws IOException {
        streamHeaders(response, requestId);
        response.flushBuffer();
        Lines lines = new Lines(response.getOutputStream(), idempotent ? requestId : null);
        HttpClient client = new HttpClient("http:" + HexFormat.of().formatHex(randomBytes(10)), address);
        gateway.httpSessionOpened(client);
        long deadline = System.currentTimeMillis() + settings.requestTimeoutMs();
        try {
            // phase 1: the credentials, one at a time and in order, so the messages find them
            List<JsonNode> messages = new ArrayList<>();
            for (JsonNode payload : payloads) {
                if (isActivity(payload) && "credentials".equals(payload.get("type").asText())) {
                    CompletableFuture<JsonNode> ack = new CompletableFuture<>();
                    gateway.event(client, "credentials", List.of(payload), ack::complete);
                    JsonNode answer;
                    try {
                        answer = ack.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                    } catch (Exception timeout) {
                        lines.write(serverError("request timeout", requestId));
                        return;
                    }
                    lines.write(credentialsLine(payload, answer, requestId));
                } else {
                    messages.add(payload);
                }
            }
            // phase 2: everything else at once, each line as its answer comes
            BlockingQueue<JsonNode> answers = new LinkedBlockingQueue<>();
            for (JsonNode payload : messages) {
                if (isActivity(payload)) {
                    gateway.event(client, "message", List.of(payload), answers::add);
                } else {
                    answers.add(serverError("unsupported payload type", requestId));
                }
            }
            long lastLine = System.currentTimeMillis();
            for (int written = 0; written < messages.size(); written++) {
                long now = System.currentTimeMillis();
                long wait = Math.min(deadline - now, lastLine + settings.idleTimeoutMs() - now);
                JsonNode next = null;
                try {
                    next = wait > 0 ? answers.poll(wait, TimeUnit.MILLISECONDS) : null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (next == null) {
                    boolean whole = System.currentTimeMillis() >= deadline;
                    lines.write(serverError(whole ? "request timeout" : "request idle timeout", requestId));
                    return;
                }
                lines.write(next);
                lastLine = System.currentTimeMillis();
            }
        } finally {
            gateway.disconnected(client, "http request ended");
            lines.complete(settings.idempotencyTtlMs());
        }
    }

    private static boolean isActivity(JsonNode payload) {
        return payload instanceof ObjectNode o && o.hasNonNull("type") && o.hasNonNull("actor");
    }

    /** The line of one credentials payload: {@code credentials-ack}, never the secret. */
    private static ObjectNode credentialsLine(JsonNode payload, JsonNode answer, String requestId) {
        String error = answer != null && answer.path("error").isTextual() ? answer.get("error").asText() : null;
        JsonNode actorId = payload.path("actor").path("id");
        if (!actorId.isTextual() || actorId.asText().isEmpty()) {
            return serverError(error != null ? error : "credentials must have an actor id", requestId);
        }
        ObjectNode line = NODES.objectNode();
        line.set("@context", NODES.arrayNode().add(Activities.AS2).add(Activities.SOCKETHUB)
                .add(PlatformDescriptor.contextUrlOf("sockethub:internal")));
        line.put("type", "credentials-ack");
        ObjectNode actor = line.putObject("actor");
        actor.put("id", actorId.asText());
        actor.put("type", "person"); // whatever the request's actor type, as the reference sends it
        if (error != null) {
            line.put("error", error);
        }
        return line;
    }

    private static ObjectNode serverError(String message, String requestId) {
        ObjectNode line = NODES.objectNode();
        line.put("type", "error");
        line.set("@context", NODES.arrayNode().add(Activities.AS2).add(Activities.SOCKETHUB)
                .add(PlatformDescriptor.contextUrlOf("error")));
        ObjectNode actor = line.putObject("actor");
        actor.put("type", "Application");
        actor.put("name", "sockethub-server");
        line.put("error", message);
        line.put("requestId", requestId);
        return line;
    }

    private void refuse(HttpServletResponse response, Refusal refusal) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(refusal.status);
        response.setContentType("application/json");
        response.setCharacterEncoding("utf-8");
        response.getOutputStream().write(JSON.writeValueAsBytes(refusal.body));
    }

    private void cors(HttpServletRequest request, HttpServletResponse response) {
        String origin = request.getHeader("Origin");
        if (origins == null) {
            response.setHeader("Access-Control-Allow-Origin", "*");
        } else {
            response.addHeader("Vary", "Origin");
            if (origin != null && java.util.Arrays.asList(origins).contains(origin.toLowerCase(java.util.Locale.ROOT))) {
                response.setHeader("Access-Control-Allow-Origin", origin);
            }
        }
        response.setHeader("Access-Control-Expose-Headers", "X-Request-Id, X-Idempotent-Replay");
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** Writes lines to the caller (until it goes away) and, for an idempotent request, to Redis. */
    private final class Lines {
        private final OutputStream out;
        private final String requestId;
        private boolean callerGone;

        Lines(OutputStream out, String requestId) {
            this.out = out;
            this.requestId = requestId;
        }

        void write(JsonNode line) {
            String text;
            try {
                text = JSON.writeValueAsString(line);
            } catch (JsonProcessingException impossible) {
                return;
            }
            if (requestId != null) {
                try {
                    RList<String> results = redis.getList(RESULTS + requestId, Utf8Codec.INSTANCE);
                    results.add(text);
                    results.expire(Duration.ofMillis(settings.idempotencyTtlMs()));
                    redis.getBucket(STATUS + requestId).expire(Duration.ofMillis(settings.idempotencyTtlMs()));
                } catch (RuntimeException e) {
                    LOG.warn("could not keep a line of {}: {}", requestId, e.toString());
                }
            }
            if (!callerGone) {
                try {
                    out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException e) {
                    callerGone = true; // the jobs run on; their lines are still kept for a replay
                }
            }
        }

        void complete(long ttlMs) {
            if (requestId != null) {
                try {
                    redis.<String>getBucket(STATUS + requestId, Utf8Codec.INSTANCE).set("complete", Duration.ofMillis(ttlMs));
                } catch (RuntimeException e) {
                    LOG.warn("could not complete {}: {}", requestId, e.toString());
                }
            }
        }
    }

    /** One HTTP actions request, as the gateway sees a client. */
    private record HttpClient(String id, String remoteAddress) implements ClientSocket {
        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public void emit(String event, JsonNode payload) {
            // a request has no channel for unsolicited messages: only answers become lines
        }

        @Override
        public void disconnect() {
            // ends with the request
        }
    }
}
