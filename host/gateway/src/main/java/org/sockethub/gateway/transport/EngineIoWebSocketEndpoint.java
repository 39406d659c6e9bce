package org.sockethub.gateway.transport;

import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoWebSocket;
import io.socket.engineio.server.utils.ParseQS;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * Connects one Jetty 12 WebSocket to engine.io-server (whose own Jetty adapter only fits Jetty
 * 9–11). Public because Jetty binds listener methods through method handles.
 */
public final class EngineIoWebSocketEndpoint extends EngineIoWebSocket implements Session.Listener.AutoDemanding {

    private final EngineIoServer server;
    private final long maxPayload;
    private volatile Session session;
    private Map<String, String> query;
    private Map<String, List<String>> headers;
    private volatile boolean opened;

    EngineIoWebSocketEndpoint(EngineIoServer server, long maxPayload) {
        this.server = server;
        this.maxPayload = maxPayload;
    }

    @Override
    public void onWebSocketOpen(Session s) {
        session = s;
        query = ParseQS.decode(s.getUpgradeRequest().getQueryString());
        headers = new java.util.HashMap<>(s.getUpgradeRequest().getHeaders());
        String remote = s.getRemoteSocketAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(s.getRemoteSocketAddress());
        headers.put(EngineIoServlet.REMOTE_HEADER, List.of(remote));
        server.handleWebSocket(this);
    }

    @Override
    public void onWebSocketText(String message) {
        emit("message", message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        callback.succeed();
        emit("message", (Object) bytes);
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
        emit("close");
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        emit("error", "websocket error", String.valueOf(cause.getMessage()));
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
        Session s = session;
        if (s == null || !s.isOpen()) {
            return;
        }
        if (!opened) {
            opened = true;
            message = OpenPacket.rewrite(message, maxPayload);
        }
        s.sendText(message, Callback.NOOP);
    }

    @Override
    public void write(byte[] message) {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.sendBinary(ByteBuffer.wrap(message), Callback.NOOP);
        }
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null) {
            s.close();
        }
    }
}
