package org.sockethub.gateway.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.websocket.core.WebSocketConnection;

/**
 * Jetty's connector, with websocket reads run by the selector thread that found them readable.
 *
 * <p>Jetty runs a read whose callback may block (every connection's, by default) on another
 * thread than the selector's: the selector either runs it itself and wakes a reserved thread to
 * take over selecting, or hands it to the pool. Either way each websocket message costs a thread
 * wake-up and, once it is handled, a thread going back to sleep: at one message at a time, the
 * largest part of the host's CPU per message (bench/README.md, 2026-12-07 "websocket reads on the
 * selector"). Nothing on our websocket read path waits (Engine.IO and Socket.IO parsing, the
 * gateway's checks, jobs handed to Redis asynchronously, answers queued by Jetty without
 * blocking), so a websocket connection's read interest is registered as non-blocking here, and
 * Jetty's execution strategy runs it on the selector's thread ("produce-consume"). HTTP requests
 * and polling keep Jetty's default: a servlet may block.
 *
 * <p>Not for a connection with a backlog: a read that took longer than {@link #INLINE_READ_NANOS}
 * found several messages waiting, and the connection's next read goes to the pool as with Jetty's
 * default. Under overload one thread cannot read every connection's backlog: with every read
 * inline the host served more but left messages unread in the sockets for seconds, so that the
 * refusals came 9–13 s late (p99) where they had come within 0.2 s; with the backlog rule they
 * come within 0.45–0.6 s (bench/README.md, 2026-12-07 "websocket reads on the selector").
 *
 * <p>Only public Jetty API: the connector's end points are {@link SocketChannelEndPoint}s whose
 * {@code fillInterested} marks the read callback of a {@link WebSocketConnection} as non-blocking
 * unless the connection's last read found a backlog.
 */
final class WebSocketReadsInline extends ServerConnector {

    private final long inlineReadNanos;

    /**
     * @param server    the server
     * @param selectors selector threads: each runs the websocket reads of its connections
     */
    WebSocketReadsInline(Server server, int selectors) {
        this(server, selectors, INLINE_READ_NANOS);
    }

    /**
     * @param server          the server
     * @param selectors       selector threads
     * @param inlineReadNanos how long a read may take before the connection's next ones are dispatched
     */
    WebSocketReadsInline(Server server, int selectors, long inlineReadNanos) {
        super(server, -1, selectors);
        this.inlineReadNanos = inlineReadNanos;
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SocketChannelEndPoint endpoint = new EndPoint(channel, selector, key, this, inlineReadNanos);
        endpoint.setIdleTimeout(getIdleTimeout());
        return endpoint;
    }

    /**
     * How long a websocket read may keep the selector's thread before the connection's next reads
     * go to the pool again: a read that took longer found a backlog (several messages waiting, the
     * client sending faster than the host handles), and one thread handling every backlog would
     * leave the other connections' messages unread, their refusals late under overload.
     */
    static final long INLINE_READ_NANOS = 500_000;

    private static final class EndPoint extends SocketChannelEndPoint {

        private final long inlineReadNanos;
        /** Whether the last read took longer than {@link #inlineReadNanos} (then the next one is dispatched). */
        private volatile boolean backlog;
        /** Whether the last fill found fewer bytes than the buffer had room for: the socket was empty then. */
        private boolean drained;

        EndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, ServerConnector connector, long inlineReadNanos) {
            super(channel, selector, key, connector.getScheduler());
            this.inlineReadNanos = inlineReadNanos;
        }

        /**
         * A websocket connection's fill right after one that emptied the socket returns 0 without
         * a system call: Jetty reads again after each message it hands on, and that read found
         * nothing for one message at a time (half the host's reads, bench/README.md, 2026-12-07
         * "one client's echo taken apart"). Jetty then waits for the selector, which reports the
         * socket readable at once if bytes came in meanwhile (as Netty stops reading when a read
         * did not fill its buffer).
         */
        @Override
        public int fill(ByteBuffer buffer) throws IOException {
            if (drained) {
                drained = false;
                return 0;
            }
            int room = BufferUtil.space(buffer);
            int filled = super.fill(buffer);
            drained = filled > 0 && filled < room && getConnection() instanceof WebSocketConnection;
            return filled;
        }

        @Override
        public void fillInterested(Callback callback) {
            super.fillInterested(inline(callback));
        }

        @Override
        public boolean tryFillInterested(Callback callback) {
            return super.tryFillInterested(inline(callback));
        }

        private Callback inline(Callback callback) {
            return getConnection() instanceof WebSocketConnection ? new Timed(this, callback) : callback;
        }
    }

    /**
     * A websocket read callback: non-blocking (Jetty may run it on the selector's thread) unless
     * the connection's last read found a backlog (asked when the selector finds it readable); it
     * times the read for the next one's choice.
     */
    private static final class Timed implements Callback {
        private final EndPoint endpoint;
        private final Callback read;

        Timed(EndPoint endpoint, Callback read) {
            this.endpoint = endpoint;
            this.read = read;
        }

        @Override
        public void succeeded() {
            long start = System.nanoTime();
            try {
                read.succeeded();
            } finally {
                endpoint.backlog = System.nanoTime() - start > endpoint.inlineReadNanos;
            }
        }

        @Override
        public void failed(Throwable x) {
            read.failed(x);
        }

        @Override
        public Invocable.InvocationType getInvocationType() {
            return endpoint.backlog ? Invocable.InvocationType.BLOCKING : Invocable.InvocationType.NON_BLOCKING;
        }
    }
}
