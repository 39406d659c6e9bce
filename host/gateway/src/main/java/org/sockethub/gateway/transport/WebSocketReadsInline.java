package org.sockethub.gateway.transport;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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
 * <p>Only public Jetty API: the connector's end points are {@link SocketChannelEndPoint}s whose
 * {@link #fillInterested} marks the callback of a {@link WebSocketConnection} as non-blocking.
 */
final class WebSocketReadsInline extends ServerConnector {

    /**
     * @param server    the server
     * @param selectors selector threads: each runs the websocket reads of its connections
     */
    WebSocketReadsInline(Server server, int selectors) {
        super(server, -1, selectors);
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SocketChannelEndPoint endpoint = new EndPoint(channel, selector, key, this);
        endpoint.setIdleTimeout(getIdleTimeout());
        return endpoint;
    }

    private static final class EndPoint extends SocketChannelEndPoint {

        EndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, ServerConnector connector) {
            super(channel, selector, key, connector.getScheduler());
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
            return getConnection() instanceof WebSocketConnection ? new NonBlocking(callback) : callback;
        }
    }

    /** A read callback that Jetty may run on the selector's thread. */
    private static final class NonBlocking implements Callback {
        private final Callback read;

        NonBlocking(Callback read) {
            this.read = read;
        }

        @Override
        public void succeeded() {
            read.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            read.failed(x);
        }

        @Override
        public Invocable.InvocationType getInvocationType() {
            return Invocable.InvocationType.NON_BLOCKING;
        }
    }
}
