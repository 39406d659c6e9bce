package org.sockethub.gateway.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoServerOptions;
import io.socket.engineio.server.EngineIoSocket;
import io.socket.engineio.server.ReadyState;
import io.socket.engineio.server.parser.Packet;
import io.socket.engineio.server.utils.ParseQS;
import io.socket.engineio.server.utils.ServerYeast;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Socket.IO v4 (Engine.IO 4: polling with websocket upgrade, or websocket only) on Jetty 12,
 * at one path. It knows nothing of activities: events arrive as JSON through {@link ClientEvents},
 * and whatever the gateway sends goes out as the exact JSON text it produced.
 *
 * <p>Engine.IO (handshake, polling, upgrade, heartbeats) is engine.io-server's. The Socket.IO
 * layer on top is this class and {@link SocketIoPacket}: one namespace, acks, no rooms, which
 * is all the protocol asks of a Sockethub server (spec 1.1). socket.io-server did the same
 * through org.json, formatted every packet twice for a log line nobody read, and kept a dozen
 * emitter maps and queues per socket; here a packet's JSON is read into Jackson's tree once and
 * written from it once, and a socket is two small objects.
 */
public final class SocketIoTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SocketIoTransport.class);
    /** Socket.IO's default {@code connectTimeout}, the reference's. */
    private static final long CONNECT_TIMEOUT_MS = 45_000;

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
    private final ExecutorService senders;
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
            EngineIoSocket socket = (EngineIoSocket) args[0];
            SocketTimers.Group group = SocketTimers.current();
            if (group != null) {
                group.opened(socket);
            }
            new Connection(socket);
        });

        this.senders = Executors.newFixedThreadPool(
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

    /**
     * One Engine.IO connection and the Socket.IO socket of the default namespace on it (the only
     * one: spec 1.1). Its packets arrive one at a time (a websocket's frames in order; a polling
     * connection's POSTs under engine.io's lock), so its receiving state needs no lock of its own.
     */
    private final class Connection {
        private final EngineIoSocket engine;
        private final SerialExecutor sends = new SerialExecutor(senders);
        /** Socket.IO's {@code connectTimeout}: a connection that joins no namespace is closed. */
        private final ScheduledFuture<?> connectTimeout;
        /** The Socket.IO socket while connected, else {@code null}. */
        private volatile Client client;
        /** The websocket its messages last came over, or {@code null} (polling). */
        private volatile EngineIoWebSocketEndpoint websocket;
        /** A binary packet waiting for its attachments, and those received so far. */
        private SocketIoPacket partial;
        private List<byte[]> attachments;
        private long attachmentBytes;

        Connection(EngineIoSocket engine) {
            this.engine = engine;
            engine.on("message", args -> received(args.length > 0 ? args[0] : null));
            engine.on("close", args -> closed(args.length > 0 && args[0] != null ? args[0].toString() : "transport close"));
            // scheduled in the connection's timer group (the handshake runs in it): cancelled at its close
            this.connectTimeout = timers.schedule(() -> {
                if (client == null) {
                    engine.close();
                }
            }, CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }

        private void received(Object message) {
            try {
                if (message instanceof String text) {
                    if (partial != null) {
                        throw new SocketIoPacket.DecodingException("got plaintext data when reconstructing a packet");
                    }
                    SocketIoPacket packet = SocketIoPacket.decode(text);
                    if (packet.type() == SocketIoPacket.BINARY_EVENT || packet.type() == SocketIoPacket.BINARY_ACK) {
                        if (packet.attachments() == 0) {
                            handle(packet.withAttachments(List.of()));
                        } else {
                            partial = packet;
                            attachments = new ArrayList<>(packet.attachments());
                            attachmentBytes = 0;
                        }
                        return;
                    }
                    handle(packet);
                } else if (message instanceof byte[] bytes) {
                    if (partial == null) {
                        throw new SocketIoPacket.DecodingException("got binary data when not reconstructing a packet");
                    }
                    attachmentBytes += bytes.length;
                    if (attachmentBytes > settings.maxPayload()) {
                        // each attachment is within the limit; together they may not be either
                        throw new SocketIoPacket.DecodingException("attachments over the payload limit");
                    }
                    attachments.add(bytes);
                    if (attachments.size() == partial.attachments()) {
                        SocketIoPacket whole = partial.withAttachments(attachments);
                        partial = null;
                        attachments = null;
                        handle(whole);
                    }
                }
            } catch (SocketIoPacket.DecodingException e) {
                // as the reference: a packet socket.io-parser refuses closes the connection
                partial = null;
                attachments = null;
                LOG.debug("closing {}: {}", engine.getId(), e.getMessage());
                engine.close();
            }
        }

        private void handle(SocketIoPacket packet) {
            boolean main = "/".equals(packet.namespace());
            switch (packet.type()) {
                case SocketIoPacket.CONNECT -> {
                    if (!main) {
                        send(SocketIoPacket.invalidNamespace(packet.namespace()));
                    } else if (client != null) {
                        send(SocketIoPacket.connected(client.id)); // connected already: the same socket
                    } else {
                        connectTimeout.cancel(false);
                        Client c = new Client(this, ServerYeast.yeast());
                        client = c;
                        send(SocketIoPacket.connected(c.id));
                        events.connected(c);
                    }
                }
                case SocketIoPacket.DISCONNECT -> {
                    Client c = client;
                    if (main && c != null) {
                        detach(c, "client namespace disconnect");
                    }
                }
                case SocketIoPacket.EVENT -> {
                    Client c = client;
                    if (main && c != null && packet.data() != null) {
                        event(c, packet);
                    }
                }
                default -> {
                    // ACK: the server asks for none; CONNECT_ERROR from a client: ignored, as by the reference
                }
            }
        }

        private void event(Client c, SocketIoPacket packet) {
            EngineIoWebSocketEndpoint receivedOn = EngineIoWebSocketEndpoint.receiving();
            if (receivedOn != null) {
                websocket = receivedOn; // its messages come over a websocket (now, or since an upgrade)
            }
            JsonNode data = packet.data();
            List<JsonNode> args = new ArrayList<>(data.size() - 1);
            for (int i = 1; i < data.size(); i++) {
                args.add(data.get(i));
            }
            Ack ack = packet.id() >= 0 ? new Ack(this, packet.id()) : null;
            String name = packet.eventName();
            try {
                events.event(c, name, args, ack);
            } catch (RuntimeException e) {
                LOG.warn("event {} from {} failed: {}", name, c.id, e.toString());
            } finally {
                if (ack != null) {
                    ack.dispatched();
                }
            }
        }

        /** The Socket.IO socket is gone (the connection stays open while the client keeps it). */
        private void detach(Client c, String reason) {
            if (c.open.compareAndSet(true, false)) {
                if (client == c) {
                    client = null;
                }
                events.disconnected(c, reason);
            }
        }

        private void closed(String reason) {
            partial = null;
            attachments = null;
            Client c = client;
            if (c != null) {
                detach(c, reason);
            }
        }

        /** Sends a Socket.IO packet now, if the connection is open. */
        private void send(String packet) {
            if (engine.getReadyState() == ReadyState.OPEN) {
                engine.send(new Packet<>(Packet.MESSAGE, packet));
            }
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

        /** Sends in order with the connection's other sends: here when that cannot block, else on the pool. */
        void sendInOrder(Runnable send) {
            if (sendsNeverBlock()) {
                sends.runHereUnlessBusy(send);
            } else {
                sends.execute(send);
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
        private final Connection connection;
        private final long id;
        private final AtomicBoolean sent = new AtomicBoolean();
        /** The thread handling the event, while it does. */
        private volatile Thread handling = Thread.currentThread();

        Ack(Connection connection, long id) {
            this.connection = connection;
            this.id = id;
        }

        @Override
        public void accept(JsonNode payload) {
            if (!sent.compareAndSet(false, true)) {
                return;
            }
            Runnable send = () -> connection.send(SocketIoPacket.ack(id, payload));
            if (Thread.currentThread() == handling) {
                connection.sends.runHereUnlessBusy(send);
            } else {
                connection.sendInOrder(send);
            }
        }

        void dispatched() {
            handling = null;
        }
    }

    /** The Socket.IO socket of a connection, as the gateway sees it. */
    private static final class Client implements ClientSocket {
        private final Connection connection;
        private final String id;
        private final String address;
        private final AtomicBoolean open = new AtomicBoolean(true);

        Client(Connection connection, String id) {
            this.connection = connection;
            this.id = id;
            this.address = addressOf(connection.engine.getInitialHeaders());
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String remoteAddress() {
            return address;
        }

        @Override
        public String header(String name) {
            for (Map.Entry<String, List<String>> h : connection.engine.getInitialHeaders().entrySet()) {
                if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }

        @Override
        public void emit(String event, JsonNode payload) {
            connection.sendInOrder(() -> {
                if (open.get()) {
                    connection.send(SocketIoPacket.event(event, payload));
                }
            });
        }

        @Override
        public void disconnect() {
            // Socket.IO's disconnect packet first, so the client reports "io server disconnect";
            // closing the connection in the same breath can beat the packet ("transport close").
            // A client that does not hang up by itself is cut off a second later.
            connection.sends.execute(() -> {
                if (open.get()) {
                    connection.send(SocketIoPacket.disconnect());
                    connection.detach(this, "server namespace disconnect");
                }
            });
            CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS, connection.sends).execute(connection.engine::close);
        }

        private static String addressOf(Map<String, List<String>> headers) {
            List<String> remote = headers.get(EngineIoServlet.REMOTE_HEADER);
            String value = remote == null || remote.isEmpty() ? "" : remote.get(0);
            if (value.startsWith("[") && value.endsWith("]")) {
                value = value.substring(1, value.length() - 1);
            }
            return value.startsWith("::ffff:") ? value.substring(7) : value;
        }
    }
}
