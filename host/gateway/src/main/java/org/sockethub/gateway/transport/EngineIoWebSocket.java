package org.sockethub.gateway.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
 * Engine.IO's websocket transport on Jetty 12's core WebSocket API: frames in, whole text or
 * binary messages to its {@link EngineIoSession}, packets out as text frames. A websocket either
 * is a session's transport from the start, or probes a polling session and becomes its transport
 * by the upgrade.
 *
 * <p>Not Jetty's annotated-endpoint API: that one keeps a view of the upgrade request and response
 * for the life of the socket, and through it the whole HTTP exchange of the upgrade (request,
 * response, HTTP connection and parser), several kilobytes per open socket; it also binds method
 * handles and creates message sinks by reflection for every connection. Here a socket keeps its
 * session and Jetty's; a message being received is buffered only until its last frame.
 */
final class EngineIoWebSocket implements FrameHandler {

    private final EngineIo server;
    /** The handshake's headers and address, until the session is made (a websocket-only session). */
    private HandshakeHeaders headers;
    private String remote;
    private volatile EngineIoSession engine;
    private volatile CoreSession session;
    private volatile boolean closeNotified;
    /** The text message being received, or {@code null}. */
    private Utf8StringBuilder text;
    /** The binary message being received, or {@code null}. */
    private ByteArrayOutputStream binary;
    private long messageSize;

    /**
     * @param server    the server
     * @param upgrading the polling session it probes, or {@code null} for a session of its own
     * @param headers   the upgrade request's headers
     * @param remote    the client's address
     */
    EngineIoWebSocket(EngineIo server, EngineIoSession upgrading, HandshakeHeaders headers, String remote) {
        this.server = server;
        this.engine = upgrading;
        this.headers = headers;
        this.remote = remote;
    }

    @Override
    public void onOpen(CoreSession s, Callback callback) {
        session = s;
        EngineIoSession upgrading = engine;
        if (upgrading == null) {
            engine = server.openWebSocket(this, remote, headers);
        } else if (!upgrading.probing(this)) {
            close();
        }
        headers = null;
        remote = null;
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
                    notifyClose("transport close");
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

    /** Adds a data frame to the message being received; a complete message goes to the session. */
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
        try {
            engine.webSocketMessage(this, message);
        } catch (Throwable e) {
            EngineIo.LOG.warn("engine.io websocket: a message failed: {}", e.toString());
            close();
        }
        session.demand();
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        notifyClose("transport error");
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        notifyClose("transport close");
        callback.succeeded();
    }

    /** The session hears of the close once: at the client's close frame, or when the socket ends. */
    private void notifyClose(String reason) {
        if (!closeNotified) {
            closeNotified = true;
            EngineIoSession e = engine;
            if (e != null) {
                e.webSocketClosed(this, reason);
            }
        }
    }

    /**
     * Sends a packet; never blocks (Jetty queues what the socket cannot take at once).
     *
     * @param packet an Engine.IO packet
     */
    void send(String packet) {
        CoreSession s = session;
        if (s != null && s.isOutputOpen()) {
            s.sendFrame(new Frame(OpCode.TEXT, packet), Callback.NOOP, false);
        }
    }

    /** Closes the websocket (its queued frames first). */
    void close() {
        CoreSession s = session;
        if (s != null) {
            s.close(CloseStatus.NORMAL, null, Callback.NOOP);
        }
    }
}
