package org.sockethub.gateway.transport;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Socket.IO v4 (Engine.IO 4: polling with websocket upgrade, or websocket only) on Jetty 12,
 * at one path. It knows nothing of activities: events arrive as JSON through {@link ClientEvents},
 * and whatever the gateway sends goes out as the exact JSON text it produced.
 *
 * <p>Engine.IO (handshake, polling, upgrade, heartbeats) is {@link EngineIo}. The Socket.IO
 * layer on top is this class and {@link SocketIoPacket}: one namespace, acks, no rooms, which
 * is all the protocol asks of a Sockethub server (spec 1.1). A packet's JSON is read into
 * Jackson's tree once and written from it once. engine.io-server and socket.io-server, used
 * until 2026-12, went through org.json, formatted every packet for a log line nobody read, and
 * kept a dozen emitter maps, queues and timers per socket; here a connection is an Engine.IO
 * session, a Socket.IO connection and its client, and a websocket.
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
    private final EngineIo engineIo;
    private final Server jetty;
    /** Runs a client's sends when they cannot run on the calling thread; see {@link SerialExecutor}. */
    private final ExecutorService senders;

    /**
     * @param settings where to listen
     * @param events   who to tell
     * @param servlets other HTTP endpoints on the same port, by path spec (e.g. {@code /x/*})
     */
    public SocketIoTransport(Settings settings, ClientEvents events, Map<String, jakarta.servlet.http.HttpServlet> servlets) {
        this.settings = settings;
        this.events = events;
        this.engineIo = new EngineIo(25_000, 20_000, settings.maxPayload(),
                CorsOrigins.parse(settings.corsOrigin(), LOG::warn), Connection::new);
        this.senders = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("sockethub-send"));
        // nothing on Jetty's threads waits (a waiting poll holds no thread; servlets that wait give
        // theirs back), so a few threads per core serve every socket; more only add hand-offs between
        // them (bench/README.md, 2026-12-06: 200 → 12 threads on two cores, −9 % host CPU per echo)
        int cores = Runtime.getRuntime().availableProcessors();
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(12, 4 * cores + 4), 4, 60_000);
        threads.setName("sockethub-http");
        // a burst of connections (a reconnect storm) grows the pool towards its maximum: the threads
        // it no longer needs go after one idle minute, not one thread a minute (Jetty's default,
        // which keeps them, and their stacks, for hours)
        threads.setMaxEvictCount(200);
        this.jetty = new Server(threads);
        // Jetty's number of selectors (one below 4 cores): each also runs its websocket reads, and
        // two on two cores served less under overload (bench/README.md, 2026-12-07 "websocket
        // reads on the selector")
        ServerConnector connector = new WebSocketReadsInline(jetty, -1);
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setAcceptQueueSize(511);
        jetty.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        servlets.forEach((pathSpec, servlet) -> {
            ServletHolder holder = new ServletHolder(servlet);
            holder.setAsyncSupported(true); // a servlet that waits (HTTP actions, /health) gives its thread back
            context.addServlet(holder, pathSpec);
        });
        WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(
                WebSocketServerComponents.ensureWebSocketComponents(jetty, context));
        upgrades.getConfiguration().setMaxTextMessageSize(settings.maxPayload());
        upgrades.getConfiguration().setMaxBinaryMessageSize(settings.maxPayload());
        upgrades.getConfiguration().setIdleTimeout(java.time.Duration.ofMinutes(2));
        upgrades.addMapping(settings.path() + "/*", engineIo::negotiate);
        upgrades.setHandler((Handler) null); // not its own 404 handler: the servlets come next
        context.insertHandler(upgrades);
        // Engine.IO's polling in front of the servlet context: Jetty's core API, no servlet request per poll
        jetty.setHandler(engineIo.polling(settings.path(), context));
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
        engineIo.close();
        jetty.stop();
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
     * one: spec 1.1). Its packets arrive one at a time ({@link EngineIoSession.Listener}), so its
     * receiving state needs no lock of its own.
     */
    private final class Connection implements EngineIoSession.Listener {
        private final EngineIoSession engine;
        private final SerialExecutor sends = new SerialExecutor(senders);
        /** The Socket.IO socket while connected, else {@code null}. */
        private volatile Client client;
        /** The Engine.IO session closed: nothing more is received. Guarded by {@code this}. */
        private boolean gone;
        /** A binary packet waiting for its attachments, and those received so far. */
        private SocketIoPacket partial;
        private List<byte[]> attachments;
        private long attachmentBytes;

        Connection(EngineIoSession engine) {
            this.engine = engine;
            // Socket.IO's connectTimeout: a connection that joins no namespace is closed
            engine.closeAt(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MS));
        }

        /**
         * A message; synchronized with {@link #closed}, which may come from another thread (the
         * clock's timeouts, a server disconnect): a CONNECT handled after the close would leave
         * a client nobody hears leave.
         */
        @Override
        public synchronized void message(Object message) {
            if (gone) {
                return;
            }
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
                LOG.debug("closing {}: {}", engine.id(), e.getMessage());
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
                        engine.keep();
                        Client c = new Client(this, engineIo.newId());
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

        @Override
        public synchronized void closed(String reason) {
            gone = true;
            partial = null;
            attachments = null;
            Client c = client;
            if (c != null) {
                detach(c, reason);
            }
        }

        /** Sends a Socket.IO packet now, if the connection is open. */
        private void send(String packet) {
            engine.send(packet);
        }

        /**
         * Sends in order with the connection's other sends, on the calling thread unless another
         * thread is sending to this client (a send never blocks: over a websocket Jetty queues it,
         * a poll's answer is written asynchronously).
         */
        void sendInOrder(Runnable send) {
            sends.runHereUnlessBusy(send);
        }
    }

    /**
     * An event's ack function: sends once (later calls are ignored), in order with the client's
     * other sends, on the calling thread when nothing else is being sent to the client.
     */
    private static final class Ack implements Consumer<JsonNode> {
        private final Connection connection;
        private final long id;
        private final AtomicBoolean sent = new AtomicBoolean();

        Ack(Connection connection, long id) {
            this.connection = connection;
            this.id = id;
        }

        @Override
        public void accept(JsonNode payload) {
            if (!sent.compareAndSet(false, true)) {
                return;
            }
            connection.sendInOrder(() -> connection.send(SocketIoPacket.ack(id, payload)));
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
            this.address = addressOf(connection.engine.remoteAddress());
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
            return connection.engine.headers().first(name);
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

        private static String addressOf(String remote) {
            String value = remote == null ? "" : remote;
            if (value.startsWith("[") && value.endsWith("]")) {
                value = value.substring(1, value.length() - 1);
            }
            return value.startsWith("::ffff:") ? value.substring(7) : value;
        }
    }
}
