package org.sockethub.gateway.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoServerOptions;
import io.socket.engineio.server.EngineIoSocket;
import io.socket.engineio.server.utils.ParseQS;
import io.socket.socketio.server.SocketIoNamespace;
import io.socket.socketio.server.SocketIoServer;
import io.socket.socketio.server.SocketIoSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.json.JSONArray;
import org.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Socket.IO v4 (Engine.IO 4: polling with websocket upgrade, or websocket only) on Jetty 12,
 * at one path. It knows nothing of activities: events arrive as JSON through {@link ClientEvents},
 * and whatever the gateway sends goes out as the exact JSON text it produced.
 */
public final class SocketIoTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SocketIoTransport.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param host       the address to bind
     * @param port       the port ({@code 0}: any free one)
     * @param path       the Socket.IO path, e.g. {@code /sockethub}
     * @param maxPayload the largest message accepted, in bytes
     * @param corsOrigin the {@code sockethub.cors.origin} setting
     */
    public record Settings(String host, int port, String path, long maxPayload, String corsOrigin) {
    }

    private final Settings settings;
    private final ClientEvents events;
    private final EngineIoServer engineIo;
    private final Server jetty;
    /** Runs every client's sends; see {@link SerialExecutor}. */
    private final java.util.concurrent.ExecutorService senders;
    /** Engine.IO's and Socket.IO's timers, on one thread rather than engine.io-server's 20; see {@link SocketTimers}. */
    private final SocketTimers timers = new SocketTimers(daemon("sockethub-engineio-timer"));

    /**
     * @param settings where to listen
     * @param events   who to tell
     * @param servlets other HTTP endpoints on the same port, by path spec (e.g. {@code /x/*})
     */
    public SocketIoTransport(Settings settings, ClientEvents events, Map<String, jakarta.servlet.http.HttpServlet> servlets) {
        this.settings = settings;
        this.events = events;
        EngineIoServerOptions options = EngineIoServerOptions.newFromDefault();
        options.setPingInterval(25_000);
        options.setPingTimeout(20_000);
        options.setAllowedCorsOrigins(CorsOrigins.parse(settings.corsOrigin(), LOG::warn));
        options.setScheduledExecutorService(timers);
        this.engineIo = new EngineIoServer(options);
        // a connection's timers are cancelled when its Engine.IO socket closes (the handshake runs in its group)
        engineIo.on("connection", args -> {
            SocketTimers.Group group = SocketTimers.current();
            if (group != null) {
                group.opened((EngineIoSocket) args[0]);
            }
        });
        SocketIoServer socketIo = new SocketIoServer(engineIo);
        SocketIoNamespace namespace = socketIo.namespace("/");
        namespace.on("connection", args -> onConnection((SocketIoSocket) args[0]));

        this.senders = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("sockethub-send"));
        QueuedThreadPool threads = new QueuedThreadPool(200, 8, 60_000);
        threads.setName("sockethub-http");
        // a burst of connections (a reconnect storm) grows the pool towards its maximum: the threads
        // it no longer needs go after one idle minute, not one thread a minute (Jetty's default,
        // which keeps them, and their stacks, for hours)
        threads.setMaxEvictCount(200);
        this.jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setAcceptQueueSize(511);
        jetty.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new EngineIoServlet(engineIo, settings.maxPayload())), settings.path() + "/*");
        servlets.forEach((pathSpec, servlet) -> context.addServlet(new ServletHolder(servlet), pathSpec));
        WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(
                WebSocketServerComponents.ensureWebSocketComponents(jetty, context));
        upgrades.getConfiguration().setMaxTextMessageSize(settings.maxPayload());
        upgrades.getConfiguration().setMaxBinaryMessageSize(settings.maxPayload());
        upgrades.getConfiguration().setIdleTimeout(java.time.Duration.ofMinutes(2));
        upgrades.addMapping(settings.path() + "/*", this::negotiate);
        upgrades.setHandler((Handler) null); // not its own 404 handler: the servlets come next
        context.insertHandler(upgrades);
        jetty.setHandler(context);
    }

    /**
     * Accepts a WebSocket upgrade of Engine.IO protocol 4 (the reference runs with allowEIO3 off),
     * without extensions: like the reference (engine.io's {@code perMessageDeflate} is off by
     * default), no permessage-deflate, whose compressor keeps a zlib window and hash table (about
     * 90 KB of native memory) for as long as a socket is open and costs both ends CPU on every
     * frame.
     */
    private FrameHandler negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String query = request.getHttpURI().getQuery();
        if (query == null || !("&" + query + "&").contains("&EIO=4&")) {
            response.setStatus(400);
            callback.succeeded();
            return null;
        }
        response.setExtensions(List.of());
        String remote = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                && a.getAddress() != null ? a.getAddress().getHostAddress() : Request.getRemoteAddr(request);
        return new EngineIoWebSocketEndpoint(engineIo, settings.maxPayload(), queryOf(query),
                HandshakeHeaders.of(request.getHeaders(), remote));
    }

    /**
     * The query parameters engine.io-server keeps for the life of a socket: a compact map whose
     * names and values ({@code EIO=4}, {@code transport=websocket}) every socket shares.
     */
    private static Map<String, String> queryOf(String query) {
        Map<String, String> shared = new java.util.LinkedHashMap<>();
        ParseQS.decode(query).forEach((name, value) -> shared.put(name.intern(), value.intern()));
        return Map.copyOf(shared);
    }

    /**
     * Starts listening.
     *
     * @return the bound address
     * @throws Exception if the port cannot be bound
     */
    public InetSocketAddress start() throws Exception {
        jetty.start();
        ServerConnector connector = (ServerConnector) jetty.getConnectors()[0];
        return new InetSocketAddress(settings.host(), connector.getLocalPort());
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
        engineIo.shutdown();
        timers.shutdownNow();
        senders.shutdownNow();
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private void onConnection(SocketIoSocket socket) {
        Client client = new Client(socket);
        socket.registerAllEventListener((event, args) -> onEvent(client, event, args));
        socket.on("disconnect", args -> events.disconnected(client, args.length > 0 ? String.valueOf(args[0]) : ""));
        events.connected(client);
    }

    private void onEvent(Client client, String event, Object[] args) {
        Ack ack = null;
        EngineIoWebSocketEndpoint websocket = EngineIoWebSocketEndpoint.receiving();
        if (websocket != null) {
            client.websocket = websocket; // its messages come over a websocket (now, or since an upgrade)
        }
        try {
            List<JsonNode> values = new ArrayList<>(args.length);
            for (Object arg : args) {
                if (arg instanceof SocketIoSocket.ReceivedByLocalAcknowledgementCallback callback) {
                    ack = new Ack(callback, client);
                } else {
                    values.add(toJson(arg));
                }
            }
            events.event(client, event, values, ack);
        } catch (RuntimeException e) {
            LOG.warn("event {} from {} failed: {}", event, client.id(), e.toString());
        } finally {
            if (ack != null) {
                ack.dispatched();
            }
        }
    }

    /**
     * An event's ack function: sends once (later calls are ignored), in order with the client's
     * other sends. An ack given while the event is still being handled, on the thread that
     * received it (a schemas answer, a refusal), or given to a websocket client from any thread
     * (the job router's answers), is sent on the calling thread when nothing else is being sent to
     * the client; an ack given later to a polling client goes through the client's
     * {@link SerialExecutor}, as every other send to it does.
     */
    private static final class Ack implements Consumer<JsonNode> {
        private final SocketIoSocket.ReceivedByLocalAcknowledgementCallback callback;
        private final Client client;
        private final AtomicBoolean sent = new AtomicBoolean();
        /** The thread handling the event, while it does. */
        private volatile Thread handling = Thread.currentThread();

        Ack(SocketIoSocket.ReceivedByLocalAcknowledgementCallback callback, Client client) {
            this.callback = callback;
            this.client = client;
        }

        @Override
        public void accept(JsonNode payload) {
            if (!sent.compareAndSet(false, true)) {
                return;
            }
            Runnable send = () -> callback.sendAcknowledgement(raw(payload));
            if (Thread.currentThread() == handling || client.sendsNeverBlock()) {
                client.sends.runHereUnlessBusy(send);
            } else {
                client.sends.execute(send);
            }
        }

        void dispatched() {
            handling = null;
        }
    }

    private static Object raw(JsonNode payload) {
        try {
            return new RawJson(JSON.writeValueAsString(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Converts what Socket.IO's parser produced (org.json values) to Jackson nodes, without re-parsing text. */
    static JsonNode toJson(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value == null || value == JSONObject.NULL) {
            return nodes.nullNode();
        }
        if (value instanceof JSONObject object) {
            ObjectNode node = nodes.objectNode();
            for (String key : object.keySet()) {
                node.set(key, toJson(object.opt(key)));
            }
            return node;
        }
        if (value instanceof JSONArray array) {
            ArrayNode node = nodes.arrayNode(array.length());
            for (int i = 0; i < array.length(); i++) {
                node.add(toJson(array.opt(i)));
            }
            return node;
        }
        if (value instanceof String text) {
            return nodes.textNode(text);
        }
        if (value instanceof Boolean b) {
            return nodes.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return nodes.numberNode(i);
        }
        if (value instanceof Long l) {
            return nodes.numberNode(l);
        }
        if (value instanceof java.math.BigInteger big) {
            return nodes.numberNode(big);
        }
        if (value instanceof java.math.BigDecimal decimal) {
            return nodes.numberNode(decimal);
        }
        if (value instanceof Number n) {
            return nodes.numberNode(n.doubleValue());
        }
        return nodes.textNode(String.valueOf(value));
    }

    private final class Client implements ClientSocket {
        private final SocketIoSocket socket;
        private final String address;
        private final SerialExecutor sends = new SerialExecutor(senders);
        /** The websocket its messages last came over, or {@code null} (polling). */
        private volatile EngineIoWebSocketEndpoint websocket;

        Client(SocketIoSocket socket) {
            this.socket = socket;
            this.address = addressOf(socket.getInitialHeaders());
        }

        @Override
        public String id() {
            return socket.getId();
        }

        @Override
        public String remoteAddress() {
            return address;
        }

        @Override
        public String header(String name) {
            for (Map.Entry<String, List<String>> h : socket.getInitialHeaders().entrySet()) {
                if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }

        /**
         * Whether a send to this client can be made on any thread: over a websocket it is queued by
         * Jetty and never blocks the caller (the answer path's own thread then writes it, with no
         * hand-off to the send pool); a long-poll response may block on a client that does not read.
         */
        boolean sendsNeverBlock() {
            EngineIoWebSocketEndpoint w = websocket;
            return w != null && w.isOpen();
        }

        @Override
        public void emit(String event, JsonNode payload) {
            Runnable send = () -> {
                if (socket.isConnected()) {
                    socket.send(event, raw(payload));
                }
            };
            if (sendsNeverBlock()) {
                sends.runHereUnlessBusy(send);
            } else {
                sends.execute(send);
            }
        }

        @Override
        public void disconnect() {
            // Socket.IO's disconnect packet first, so the client reports "io server disconnect";
            // closing the connection in the same breath can beat the packet ("transport close").
            // A client that does not hang up by itself is cut off a second later.
            sends.execute(() -> socket.disconnect(false));
            java.util.concurrent.CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS, sends)
                    .execute(() -> socket.getClient().disconnect());
        }

        private String addressOf(Map<String, List<String>> headers) {
            List<String> remote = headers.get(EngineIoServlet.REMOTE_HEADER);
            String value = remote == null || remote.isEmpty() ? "" : remote.get(0);
            if (value.startsWith("[") && value.endsWith("]")) {
                value = value.substring(1, value.length() - 1);
            }
            return value.startsWith("::ffff:") ? value.substring(7) : value;
        }
    }
}
