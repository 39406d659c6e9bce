package org.sockethub.gateway.transport;

import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoWebSocket;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Utf8StringBuilder;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;

/**
 * Connects one WebSocket to engine.io-server (whose own Jetty adapter only fits Jetty 9–11),
 * on Jetty 12's core WebSocket API: frames in, whole text or binary messages to engine.io, its
 * packets out as text or binary frames.
 *
 * <p>Not Jetty's annotated-endpoint API: that one keeps a view of the upgrade request and response
 * for the life of the socket, and through it the whole HTTP exchange of the upgrade (request,
 * response, HTTP connection and parser), several kilobytes per open socket; it also binds method
 * handles and creates message sinks by reflection for every connection. Here a socket keeps its
 * query, its handshake headers ({@link HandshakeHeaders}) and its session; a message being
 * received is buffered only until its last frame.
 */
final class EngineIoWebSocketEndpoint extends EngineIoWebSocket implements FrameHandler {

    private final EngineIoServer server;
    private final long maxPayload;
    private final Map<String, String> query;
    private final Map<String, List<String>> headers;
    /** Engine.IO's and Socket.IO's timers of this connection: cancelled when it closes. */
    private final SocketTimers.Group timers = new SocketTimers.Group(null);
    private volatile CoreSession session;
    private volatile boolean opened;
    private volatile boolean closeNotified;
    /** The text message being received, or {@code null}. */
    private Utf8StringBuilder text;
    /** The binary message being received, or {@code null}. */
    private ByteArrayOutputStream binary;
    private long messageSize;
    /** The endpoint whose message this thread is handing to engine.io, if any. */
    private static final ThreadLocal<EngineIoWebSocketEndpoint> RECEIVING = new ThreadLocal<>();

    /**
     * @param server     engine.io-server
     * @param maxPayload the largest message accepted, in bytes
     * @param query      the upgrade request's query parameters
     * @param headers    the upgrade request's headers
     */
    EngineIoWebSocketEndpoint(EngineIoServer server, long maxPayload, Map<String, String> query,
                              Map<String, List<String>> headers) {
        this.server = server;
        this.maxPayload = maxPayload;
        this.query = query;
        this.headers = headers;
    }

    @Override
    public void onOpen(CoreSession s, Callback callback) {
        session = s;
        timers.run(() -> server.handleWebSocket(this));
        callback.succeeded();
        s.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        try {
            switch (frame.getOpCode()) {
                case OpCode.TEXT -> {
                    text = new Utf8StringBuilder();
                    onData(frame, callback);
                }
                case OpCode.BINARY -> {
                    binary = new ByteArrayOutputStream(frame.getPayloadLength());
                    onData(frame, callback);
                }
                case OpCode.CONTINUATION -> onData(frame, callback);
                case OpCode.PING -> {
                    // answered as Jetty's endpoints do; a failed pong (output already closed) is no error
                    ByteBuffer payload = frame.hasPayload() ? BufferUtil.copy(frame.getPayload()) : BufferUtil.EMPTY_BUFFER;
                    session.sendFrame(new Frame(OpCode.PONG).setPayload(payload), Callback.from(() -> {
                        callback.succeeded();
                        session.demand();
                    }, failure -> {
                        callback.succeeded();
                        session.demand();
                    }), false);
                }
                case OpCode.PONG -> {
                    callback.succeeded();
                    session.demand();
                }
                case OpCode.CLOSE -> {
                    notifyClose();
                    callback.succeeded();
                }
                default -> callback.failed(new IllegalStateException("unknown opcode " + frame.getOpCode()));
            }
        } catch (RuntimeException e) {
            text = null;
            binary = null;
            callback.failed(e);
        }
    }

    /** Adds a data frame to the message being received; a complete message goes to engine.io. */
    private void onData(Frame frame, Callback callback) {
        if (text == null && binary == null) {
            callback.succeeded(); // a continuation of nothing: ignored, as Jetty's endpoints do
            session.demand();
            return;
        }
        messageSize = (frame.getOpCode() == OpCode.CONTINUATION ? messageSize : 0) + frame.getPayloadLength();
        long limit = text != null ? session.getMaxTextMessageSize() : session.getMaxBinaryMessageSize();
        if (limit > 0 && messageSize > limit) {
            // Jetty's own wording (its message sinks'): it is the reason of the close frame
            String kind = text != null ? "Text" : "Binary";
            text = null;
            binary = null;
            callback.failed(new MessageTooLargeException(String.format("%s message too large: %,d > %,d", kind, messageSize, limit)));
            return;
        }
        if (frame.hasPayload() && text != null) {
            text.append(frame.getPayload());
        } else if (frame.hasPayload()) {
            byte[] bytes = BufferUtil.toArray(frame.getPayload());
            binary.write(bytes, 0, bytes.length);
        }
        if (!frame.isFin()) {
            callback.succeeded();
            session.demand();
            return;
        }
        Object message;
        if (text != null) {
            message = text.takeCompleteString(BadPayloadException.InvalidUtf8::new);
            text = null;
        } else {
            message = binary.toByteArray();
            binary = null;
        }
        callback.succeeded();
        RECEIVING.set(this);
        try {
            timers.run(() -> emit("message", message));
        } finally {
            RECEIVING.remove();
        }
        session.demand();
    }

    /**
     * The websocket whose message the calling thread is handling (a Socket.IO client's events are
     * handled on the thread that received them), or {@code null} (a polling request).
     */
    static EngineIoWebSocketEndpoint receiving() {
        return RECEIVING.get();
    }

    /** @return whether this socket can still send (a send on it never blocks: Jetty queues it) */
    boolean isOpen() {
        CoreSession s = session;
        return s != null && s.isOutputOpen();
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        emit("error", "websocket error", String.valueOf(cause.getMessage()));
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        notifyClose();
        timers.close();
        callback.succeeded();
    }

    /** Engine.io hears of the close once: at the client's close frame, or when the session ends. */
    private void notifyClose() {
        if (!closeNotified) {
            closeNotified = true;
            emit("close");
        }
    }

    @Override
    public Map<String, String> getQuery() {
        return query;
    }

    @Override
    public Map<String, List<String>> getConnectionHeaders() {
        return headers;
    }

    @Override
    public void write(String message) {
        CoreSession s = session;
        if (s == null || !s.isOutputOpen()) {
            return;
        }
        if (!opened) {
            opened = true;
            message = OpenPacket.rewrite(message, maxPayload);
        }
        s.sendFrame(new Frame(OpCode.TEXT, message), Callback.NOOP, false);
    }

    @Override
    public void write(byte[] message) {
        CoreSession s = session;
        if (s != null && s.isOutputOpen()) {
            s.sendFrame(new Frame(OpCode.BINARY, ByteBuffer.wrap(message)), Callback.NOOP, false);
        }
    }

    @Override
    public void close() {
        CoreSession s = session;
        if (s != null) {
            s.close(CloseStatus.NORMAL, null, Callback.NOOP);
        }
    }
}
