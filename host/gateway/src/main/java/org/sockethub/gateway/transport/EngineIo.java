package org.sockethub.gateway.transport;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;

/**
 * An Engine.IO protocol 4 server, as engine.io 6 (the reference's) behaves on the wire: the
 * handshake and its open packet, long-polling, the websocket transport and the upgrade to it,
 * heartbeats, the error answers and their codes. Polling runs on Jetty's core handler API (a
 * waiting poll holds no thread; its answer is written without blocking), websockets on Jetty's
 * core websocket API ({@link EngineIoWebSocket}).
 *
 * <p>Only protocol 4 ({@code EIO=4}): the reference runs with {@code allowEIO3} off.
 */
final class EngineIo implements AutoCloseable {

    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EngineIo.class);

    /** What the server tells of new sessions. */
    interface Sessions {
        /**
         * A session opened; its open packet is not sent yet.
         *
         * @param session the session
         * @return who hears its messages and its close
         */
        EngineIoSession.Listener opened(EngineIoSession session);
    }

    static final String UNKNOWN_TRANSPORT = "{\"code\":0,\"message\":\"Transport unknown\"}";
    static final String UNKNOWN_SID = "{\"code\":1,\"message\":\"Session ID unknown\"}";
    static final String BAD_HANDSHAKE_METHOD = "{\"code\":2,\"message\":\"Bad handshake method\"}";
    static final String BAD_REQUEST = "{\"code\":3,\"message\":\"Bad request\"}";
    static final String UNSUPPORTED_PROTOCOL_VERSION = "{\"code\":5,\"message\":\"Unsupported protocol version\"}";
    /** engine.io's {@code upgradeTimeout}. */
    static final long UPGRADE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How often the clock looks at the sessions' deadlines. */
    private static final long TICK_MS = 500;

    private final long pingIntervalMs;
    private final long pingTimeoutMs;
    private final long maxPayload;
    private final String[] corsOrigins;
    private final Sessions listener;
    private final ConcurrentHashMap<String, EngineIoSession> sessions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService clock;
    private final SecureRandom random;

    /**
     * @param pingIntervalMs engine.io's {@code pingInterval}
     * @param pingTimeoutMs  engine.io's {@code pingTimeout}
     * @param maxPayload     the largest message or polling body accepted, in bytes
     * @param corsOrigins    the origins polling answers with CORS headers, {@code null} for any
     * @param listener       who hears of new sessions
     */
    EngineIo(long pingIntervalMs, long pingTimeoutMs, long maxPayload, String[] corsOrigins, Sessions listener) {
        this.pingIntervalMs = pingIntervalMs;
        this.pingTimeoutMs = pingTimeoutMs;
        this.maxPayload = maxPayload;
        this.corsOrigins = corsOrigins;
        this.listener = listener;
        try {
            this.random = SecureRandom.getInstance("DRBG"); // no read of /dev/urandom per id
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sockethub-engineio-clock");
            t.setDaemon(true);
            return t;
        });
        clock.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    long pingIntervalNanos() {
        return TimeUnit.MILLISECONDS.toNanos(pingIntervalMs);
    }

    long pingTimeoutNanos() {
        return TimeUnit.MILLISECONDS.toNanos(pingTimeoutMs);
    }

    /** @return the number of open sessions (those closing with a close packet still to fetch included) */
    int size() {
        return sessions.size();
    }

    private void tick() {
        long now = System.nanoTime();
        for (EngineIoSession s : sessions.values()) {
            try {
                s.tick(now);
            } catch (Throwable e) { // the clock keeps going for the others
                LOG.warn("engine.io session {}: {}", s.id(), e.toString());
            }
        }
    }

    /**
     * A session id as engine.io's ({@code base64id}): 15 random bytes in 20 URL-safe base64
     * characters. It is all a polling request shows to be the session's, so it is unguessable.
     */
    String newId() {
        byte[] bytes = new byte[15];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().encodeToString(bytes);
    }

    /** The session's open packet, in the reference's compact form. */
    private String openPacket(String id, boolean upgrades) {
        return EngineIoSession.OPEN + "{\"sid\":\"" + id + "\",\"upgrades\":" + (upgrades ? "[\"websocket\"]" : "[]")
                + ",\"pingInterval\":" + pingIntervalMs + ",\"pingTimeout\":" + pingTimeoutMs + ",\"maxPayload\":" + maxPayload + "}";
    }

    /** Registers a new session under a fresh id, and gives it its listener. */
    private EngineIoSession open(String remote, HandshakeHeaders headers, EngineIoWebSocket websocket) {
        for (;;) {
            EngineIoSession session = new EngineIoSession(this, newId(), remote, headers, websocket);
            // reachable by its id before it has a listener, but nobody knows the id until its open packet
            if (sessions.putIfAbsent(session.id(), session) == null) {
                session.listen(listener.opened(session));
                return session;
            }
        }
    }

    /**
     * A websocket of a websocket-only session opened: the session, its open packet sent.
     *
     * @param ws      the websocket
     * @param remote  the client's address
     * @param headers the handshake headers
     * @return the session
     */
    EngineIoSession openWebSocket(EngineIoWebSocket ws, String remote, HandshakeHeaders headers) {
        EngineIoSession session = open(remote, headers, ws);
        ws.send(openPacket(session.id(), false));
        return session;
    }

    void forget(EngineIoSession session) {
        sessions.remove(session.id(), session);
    }

    @Override
    public void close() {
        clock.shutdownNow();
        for (EngineIoSession s : sessions.values()) {
            s.close("server shutting down");
        }
        sessions.clear();
    }

    // ---- websockets

    /**
     * Accepts a websocket of Engine.IO protocol 4, new or upgrading a polling session, without
     * extensions: like the reference (engine.io's {@code perMessageDeflate} is off by default), no
     * permessage-deflate, whose compressor keeps a zlib window and hash table (about 90 KB of
     * native memory) for as long as a socket is open and costs both ends CPU on every frame.
     */
    FrameHandler negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String query = request.getHttpURI().getQuery();
        String refusal = null;
        EngineIoSession upgrading = null;
        if (!"4".equals(param(query, "EIO"))) {
            refusal = UNSUPPORTED_PROTOCOL_VERSION;
        } else if (!"websocket".equals(param(query, "transport"))) {
            refusal = UNKNOWN_TRANSPORT;
        } else {
            String sid = param(query, "sid");
            if (sid != null) {
                upgrading = sessions.get(sid);
                if (upgrading == null) {
                    refusal = UNKNOWN_SID;
                } else if (!upgrading.canUpgrade()) {
                    refusal = BAD_REQUEST;
                }
            }
        }
        if (refusal != null) {
            // as engine.io's abortUpgrade: the message as text
            String message = refusal.substring(refusal.indexOf("\"message\":\"") + 11, refusal.length() - 2);
            write(response, callback, HttpStatus.BAD_REQUEST_400, "text/html", message);
            return null;
        }
        response.setExtensions(List.of());
        return new EngineIoWebSocket(this, upgrading, HandshakeHeaders.of(request.getHeaders()), remoteOf(request));
    }

    private static String remoteOf(Request request) {
        if (request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress();
        }
        return Request.getRemoteAddr(request);
    }

    // ---- polling

    /**
     * The polling transport at a path (and below it), in front of the other handlers; websocket
     * upgrades and other paths go on to them.
     *
     * @param path the Engine.IO path, e.g. {@code /sockethub}
     * @param next the handlers behind
     * @return the handler
     */
    Handler polling(String path, Handler next) {
        return new Handler.Wrapper(next) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String target = request.getHttpURI().getPath();
                if (target == null || !target.startsWith(path)
                        || (target.length() > path.length() && target.charAt(path.length()) != '/')
                        || request.getHeaders().contains(HttpHeader.UPGRADE, "websocket")) { // not "h2c"
                    return super.handle(request, response, callback);
                }
                handlePolling(request, response, callback);
                return true;
            }
        };
    }

    private void handlePolling(Request request, Response response, Callback callback) {
        cors(request, response);
        String method = request.getMethod();
        if (HttpMethod.OPTIONS.is(method)) {
            response.setStatus(HttpStatus.NO_CONTENT_204);
            callback.succeeded();
            return;
        }
        // engine.io's order: the transport, then the session id, then (for a handshake) the version
        String query = request.getHttpURI().getQuery();
        String transport = param(query, "transport");
        if (transport == null || !(transport.equals("polling") || transport.equals("websocket"))) {
            error(response, callback, UNKNOWN_TRANSPORT);
            return;
        }
        String sid = param(query, "sid");
        if (sid != null && sid.isEmpty()) {
            sid = null;
        }
        if (sid != null && !sessions.containsKey(sid)) {
            error(response, callback, UNKNOWN_SID);
            return;
        }
        if (!transport.equals("polling")) {
            error(response, callback, BAD_REQUEST); // a websocket without its upgrade
            return;
        }
        if (!"4".equals(param(query, "EIO"))) {
            error(response, callback, UNSUPPORTED_PROTOCOL_VERSION);
            return;
        }
        boolean get = HttpMethod.GET.is(method);
        if (sid == null) {
            if (!get) {
                error(response, callback, BAD_HANDSHAKE_METHOD);
                return;
            }
            EngineIoSession session = open(remoteOf(request), HandshakeHeaders.of(request.getHeaders()), null);
            respond(session, new EngineIoSession.Poll(response, callback), openPacket(session.id(), true));
            return;
        }
        EngineIoSession session = sessions.get(sid);
        if (session == null) {
            error(response, callback, UNKNOWN_SID);
        } else if (get) {
            request.addFailureListener(failure -> session.pollFailed(response, failure));
            session.poll(response, callback);
        } else if (HttpMethod.POST.is(method)) {
            post(session, request, response, callback);
        } else {
            error(response, callback, BAD_REQUEST);
        }
    }

    private void post(EngineIoSession session, Request request, Response response, Callback callback) {
        if (request.getLength() > maxPayload) {
            tooLarge(response, callback);
            return;
        }
        String refusal = session.startPost();
        if (refusal != null) {
            if (refusal.isEmpty()) {
                empty400(response, callback);
            } else {
                error(response, callback, refusal);
            }
            return;
        }
        Content.Source.asByteArrayAsync(request, (int) Math.min(Integer.MAX_VALUE - 1, maxPayload)).whenComplete((body, failure) -> {
            try {
                session.endPost(body);
            } finally {
                if (body != null) {
                    write(response, callback, HttpStatus.OK_200, "text/html", "ok");
                } else {
                    // over the limit without a Content-Length (or the body broke off: then nobody reads this)
                    tooLarge(response, callback);
                }
            }
        });
    }

    /** CORS as engine.io's Java port answered it: an allowed origin is echoed, with credentials. */
    private void cors(Request request, Response response) {
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null || !allowed(origin)) {
            return;
        }
        response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        response.getHeaders().add(HttpHeader.VARY, "Origin");
        if (HttpMethod.OPTIONS.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, "GET,POST");
            String asked = request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS);
            if (asked != null) {
                response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, asked);
            }
        }
    }

    private boolean allowed(String origin) {
        if (corsOrigins == null) {
            return true;
        }
        String normalised = CorsOrigins.normalise(origin);
        for (String allowed : corsOrigins) {
            if (allowed.equals(normalised)) {
                return true;
            }
        }
        return false;
    }

    /** Answers a session's poll with a payload of packets; a poll that cannot be written (its client went away) closes the session. */
    void respond(EngineIoSession session, EngineIoSession.Poll poll, String payload) {
        Callback callback = poll.callback();
        write(poll.response(), Callback.from(callback::succeeded, failure -> {
            callback.failed(failure);
            session.close("transport error");
        }), HttpStatus.OK_200, "text/plain; charset=UTF-8", payload);
    }

    /** Answers with a 400 and no body, as engine.io answers an overlapping request. */
    void empty400(Response response, Callback callback) {
        write(response, callback, HttpStatus.BAD_REQUEST_400, "text/html", "");
    }

    /** Answers with engine.io's error JSON and 400. */
    void error(Response response, Callback callback, String json) {
        write(response, callback, HttpStatus.BAD_REQUEST_400, "application/json", json);
    }

    private static void tooLarge(Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        write(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "text/plain; charset=UTF-8", "");
    }

    private static void write(Response response, Callback callback, int status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /** @return the value of a query parameter (engine.io's parameters need no decoding), or {@code null} */
    static String param(String query, String name) {
        if (query == null) {
            return null;
        }
        int from = 0;
        while (from < query.length()) {
            int end = query.indexOf('&', from);
            if (end < 0) {
                end = query.length();
            }
            if (end - from > name.length() && query.startsWith(name, from) && query.charAt(from + name.length()) == '=') {
                return query.substring(from + name.length() + 1, end);
            }
            from = end + 1;
        }
        return null;
    }
}
