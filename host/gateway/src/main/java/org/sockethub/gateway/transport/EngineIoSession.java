package org.sockethub.gateway.transport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One Engine.IO protocol 4 connection: its transport (long-polling, or a websocket from the start
 * or after an upgrade), its heartbeat and its close, as engine.io 6 (the reference's) runs them.
 *
 * <p>Everything a session sends is a packet of text; what it receives goes to its
 * {@link Listener} one message at a time (a websocket's frames in order; a polling connection's
 * POSTs one at a time, an overlapping one being an error; an upgrade completes only between
 * them). Its timers are deadlines that {@link EngineIo}'s clock looks at twice a second: a
 * session owns no timer object, and a packet received re-arms nothing.
 */
final class EngineIoSession {

    /** What the Socket.IO layer hears of a session. */
    interface Listener {
        /**
         * A message packet, one at a time.
         *
         * @param data its text (without the packet type) as a {@code String}, or its bytes
         */
        void message(Object data);

        /**
         * The session closed; called once.
         *
         * @param reason engine.io's reason ({@code transport close}, {@code ping timeout}, …)
         */
        void closed(String reason);
    }

    static final char OPEN = '0';
    static final char CLOSE = '1';
    static final char PING = '2';
    static final char PONG = '3';
    static final char MESSAGE = '4';
    static final char UPGRADE = '5';
    static final char NOOP = '6';
    /** Separates the packets of a polling payload. */
    static final char SEPARATOR = '\u001e';
    private static final long NEVER = Long.MAX_VALUE;
    /** How long a closed polling session waits for the GET that fetches its close packet. */
    private static final long LINGER_NANOS = 30_000_000_000L;

    private final EngineIo server;
    private final String id;
    private final String remoteAddress;
    private final HandshakeHeaders headers;
    private volatile Listener listener;

    // guarded by this
    private boolean closed;
    /** The websocket transport, or {@code null} while polling. */
    private volatile EngineIoWebSocket websocket;
    /** Packets held back while an upgrade hands the buffer over to the websocket. */
    private boolean handingOver;
    /** A websocket being probed for an upgrade, or {@code null}. */
    private EngineIoWebSocket probe;
    /** The probe answered: polls are answered at once with a no-op, so the client can pause. */
    private boolean upgrading;
    /** Packets waiting for a poll (or for the hand-over to a websocket), or {@code null}. */
    private List<String> buffer;
    /** The GET waiting for packets, or {@code null}. */
    private Poll poll;
    private boolean posting;
    /** Closed, with a close packet still to be fetched by a poll. */
    private boolean closePending;
    // deadlines, System.nanoTime(); NEVER when not set
    private long nextPing;
    private long pongDue = NEVER;
    private long upgradeDue = NEVER;
    private long closeAt = NEVER;
    private long lingerUntil = NEVER;

    /** A long-poll waiting for packets. */
    record Poll(Response response, Callback callback) {
    }

    /**
     * @param server        the server
     * @param id            the session id
     * @param remoteAddress the client's address as the server saw it
     * @param headers       the handshake request's headers
     * @param websocket     the websocket of a websocket-only session, or {@code null} (polling)
     */
    EngineIoSession(EngineIo server, String id, String remoteAddress, HandshakeHeaders headers, EngineIoWebSocket websocket) {
        this.server = server;
        this.id = id;
        this.remoteAddress = remoteAddress;
        this.headers = headers;
        this.websocket = websocket;
        this.nextPing = System.nanoTime() + server.pingIntervalNanos();
    }

    String id() {
        return id;
    }

    String remoteAddress() {
        return remoteAddress;
    }

    HandshakeHeaders headers() {
        return headers;
    }

    void listen(Listener l) {
        this.listener = l;
    }

    /** @return whether the session is open */
    synchronized boolean isOpen() {
        return !closed;
    }

    /**
     * Sends a message packet: over the websocket at once, or to the waiting poll (the next one if
     * none waits). Never blocks.
     *
     * @param text the message
     */
    void send(String text) {
        sendPacket(MESSAGE + text);
    }

    private void sendPacket(String packet) {
        EngineIoWebSocket ws;
        Poll answer = null;
        String payload = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            ws = handingOver ? null : websocket;
            if (ws == null) {
                enqueue(packet);
                if (poll != null && !handingOver) {
                    answer = poll;
                    poll = null;
                    payload = drain();
                }
            }
        }
        if (ws != null) {
            ws.send(packet);
        } else if (answer != null) {
            server.respond(this, answer, payload);
        }
    }

    private void enqueue(String packet) {
        if (buffer == null) {
            buffer = new ArrayList<>(2);
        }
        buffer.add(packet);
    }

    /** @return the buffered packets as one polling payload, the buffer emptied */
    private String drain() {
        List<String> packets = buffer;
        buffer = null;
        if (packets.size() == 1) {
            return packets.get(0);
        }
        StringBuilder out = new StringBuilder();
        for (String p : packets) {
            if (out.length() > 0) {
                out.append(SEPARATOR);
            }
            out.append(p);
        }
        return out.toString();
    }

    /**
     * Closes the session at a deadline unless {@link #keep} is called first (Socket.IO's connect
     * timeout).
     *
     * @param deadline a {@link System#nanoTime()}
     */
    synchronized void closeAt(long deadline) {
        closeAt = deadline;
    }

    /** Cancels {@link #closeAt}. */
    synchronized void keep() {
        closeAt = NEVER;
    }

    /** Closes the session from the server's side ({@code forced close}). */
    void close() {
        close("forced close");
    }

    /**
     * Closes the session; the first close wins.
     *
     * @param reason engine.io's reason
     */
    void close(String reason) {
        EngineIoWebSocket ws;
        EngineIoWebSocket probed;
        Poll answer = null;
        String payload = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ws = websocket;
            probed = probe;
            probe = null;
            if (ws == null) {
                // a polling client learns of the close from a close packet, after what was still buffered
                enqueue(String.valueOf(CLOSE));
                if (poll != null) {
                    answer = poll;
                    poll = null;
                    payload = drain();
                } else if (reason.equals("forced close")) {
                    closePending = true;
                    lingerUntil = System.nanoTime() + LINGER_NANOS;
                } else {
                    buffer = null;
                }
            } else {
                buffer = null;
            }
            if (!closePending) {
                server.forget(this);
            }
        }
        if (answer != null) {
            server.respond(this, answer, payload);
        }
        if (ws != null) {
            ws.close();
        }
        if (probed != null) {
            probed.close();
        }
        Listener l = listener;
        if (l != null) {
            try {
                l.closed(reason);
            } catch (Throwable e) { // whoever closed (the clock, a request, a websocket) goes on
                EngineIo.LOG.warn("engine.io session {}: closing failed: {}", id, e.toString());
            }
        }
    }

    /**
     * The clock's look at the deadlines.
     *
     * @param now {@link System#nanoTime()}
     */
    void tick(long now) {
        String closing = null;
        boolean ping = false;
        EngineIoWebSocket dropProbe = null;
        synchronized (this) {
            if (closed) {
                if (now >= lingerUntil) {
                    closePending = false;
                    buffer = null;
                    server.forget(this);
                }
                return;
            }
            if (now >= closeAt) {
                closing = "forced close";
            } else if (now >= pongDue) {
                closing = "ping timeout";
            } else {
                if (now >= nextPing) {
                    ping = true;
                    nextPing = NEVER;
                    pongDue = now + server.pingTimeoutNanos();
                }
                if (now >= upgradeDue) {
                    dropProbe = probe;
                    probe = null;
                    upgrading = false;
                    upgradeDue = NEVER;
                }
            }
        }
        if (closing != null) {
            close(closing);
            return;
        }
        if (dropProbe != null) {
            dropProbe.close();
        }
        if (ping) {
            sendPacket(String.valueOf(PING));
        }
    }

    /**
     * A packet from the session's transport.
     *
     * @param packet an Engine.IO packet's text, or the bytes of a binary message
     */
    void received(Object packet) {
        if (packet instanceof byte[] bytes) {
            deliver(bytes);
            return;
        }
        String text = (String) packet;
        char type = text.isEmpty() ? 0 : text.charAt(0);
        switch (type) {
            case MESSAGE -> deliver(text.substring(1));
            case PONG -> {
                synchronized (this) {
                    pongDue = NEVER;
                    nextPing = System.nanoTime() + server.pingIntervalNanos();
                }
            }
            case CLOSE -> close("transport close");
            case PING -> close("transport error"); // engine.io 4: "invalid heartbeat direction"
            case OPEN, UPGRADE, NOOP -> {
                // nothing to do, as in engine.io
            }
            default -> close("parse error");
        }
    }

    private void deliver(Object data) {
        Listener l = listener;
        if (l != null && isOpen()) {
            try {
                l.message(data);
            } catch (Throwable e) {
                EngineIo.LOG.warn("engine.io session {}: a message failed: {}", id, e.toString());
                close("transport error");
            }
        }
    }

    // ---- polling

    /**
     * A GET of this session: answered at once when packets wait, else it waits for them.
     *
     * @param response its response
     * @param callback its callback
     */
    void poll(Response response, Callback callback) {
        String payload = null;
        String error = null;
        boolean overlap = false;
        synchronized (this) {
            if (websocket != null || (closed && !closePending)) {
                error = EngineIo.BAD_REQUEST;
            } else if (poll != null) {
                overlap = true;
            } else if (buffer != null && !handingOver) {
                payload = drain();
                if (closePending) {
                    closePending = false;
                    lingerUntil = NEVER;
                    server.forget(this);
                }
            } else if (upgrading) {
                payload = String.valueOf(NOOP);
            } else {
                poll = new Poll(response, callback);
            }
        }
        if (error != null) {
            server.error(response, callback, error);
        } else if (overlap) {
            server.empty400(response, callback);
            close("transport error"); // engine.io: "overlap from client"
        } else if (payload != null) {
            server.respond(this, new Poll(response, callback), payload);
        }
    }

    /**
     * The waiting GET failed (its connection went away).
     *
     * @param response its response
     * @param failure  why
     */
    void pollFailed(Response response, Throwable failure) {
        Poll failed = null;
        synchronized (this) {
            if (poll != null && poll.response() == response) {
                failed = poll;
                poll = null;
            }
        }
        if (failed != null) {
            failed.callback().failed(failure);
            close("transport error"); // engine.io: "poll connection closed prematurely"
        }
    }

    /**
     * A POST of this session begins.
     *
     * @return {@code null} if its body may be read, else the error JSON to answer with, or an empty
     *         string for an empty 400 (a POST that overlapped another: the session is closed)
     */
    String startPost() {
        boolean overlap;
        synchronized (this) {
            if (websocket != null || (closed && !closePending)) {
                return EngineIo.BAD_REQUEST; // (closing: a POST that crossed the close is taken, and ignored)
            }
            overlap = posting;
            posting = true;
        }
        if (overlap) {
            close("transport error"); // engine.io: "data request overlap from client"
            return "";
        }
        return null;
    }

    /**
     * A POST's body: its packets, in order.
     *
     * @param body the body, or {@code null} if it could not be read
     */
    void endPost(byte[] body) {
        try {
            if (body != null) {
                receivedPayload(new String(body, StandardCharsets.UTF_8));
            }
        } finally {
            synchronized (this) {
                posting = false;
            }
        }
    }

    /** Decodes a polling payload, as engine.io-parser 5 does: a packet it cannot read ends it with a parse error. */
    private void receivedPayload(String payload) {
        int start = 0;
        while (start <= payload.length() && isOpen()) {
            int end = payload.indexOf(SEPARATOR, start);
            if (end < 0) {
                end = payload.length();
            }
            String packet = payload.substring(start, end);
            if (packet.startsWith("b")) {
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(packet.substring(1));
                } catch (IllegalArgumentException e) {
                    close("parse error");
                    return;
                }
                received(bytes);
            } else {
                received(packet);
            }
            start = end + 1;
        }
    }

    // ---- websocket

    /**
     * @return whether a websocket may start probing this session for an upgrade
     */
    synchronized boolean canUpgrade() {
        return !closed && websocket == null && probe == null;
    }

    /**
     * A websocket opened to upgrade this polling session.
     *
     * @param ws the websocket
     * @return whether it may probe (else it is closed)
     */
    synchronized boolean probing(EngineIoWebSocket ws) {
        if (!canUpgrade()) {
            return false;
        }
        probe = ws;
        upgradeDue = System.nanoTime() + EngineIo.UPGRADE_TIMEOUT_NANOS;
        return true;
    }

    /**
     * A message over one of the session's websockets.
     *
     * @param ws      the websocket
     * @param message its text or bytes
     */
    void webSocketMessage(EngineIoWebSocket ws, Object message) {
        if (ws == websocket) {
            received(message);
            return;
        }
        String text = message instanceof String s ? s : null;
        Poll answer = null;
        boolean refuse = false;
        boolean upgraded = false;
        synchronized (this) {
            if (ws != probe || closed) {
                refuse = true;
            } else if ("2probe".equals(text)) {
                upgrading = true;
                if (poll != null) {
                    answer = poll; // the client pauses polling once its poll returns
                    poll = null;
                }
            } else if (String.valueOf(UPGRADE).equals(text) && !posting) {
                probe = null;
                upgrading = false;
                upgradeDue = NEVER;
                websocket = ws;
                handingOver = true;
                upgraded = true;
                if (poll != null) {
                    answer = poll;
                    poll = null;
                }
            } else {
                probe = null;
                upgrading = false;
                upgradeDue = NEVER;
                refuse = true;
            }
        }
        if (refuse) {
            ws.close();
            return;
        }
        if (answer != null) {
            server.respond(this, answer, String.valueOf(NOOP));
        }
        if (upgraded) {
            handOver(ws);
        } else {
            ws.send(PONG + "probe");
        }
    }

    /** Sends what polling had buffered over the websocket, before anything sent later. */
    private void handOver(EngineIoWebSocket ws) {
        for (;;) {
            List<String> packets;
            synchronized (this) {
                packets = buffer;
                buffer = null;
                if (packets == null) {
                    handingOver = false;
                    return;
                }
            }
            for (String p : packets) {
                ws.send(p);
            }
        }
    }

    /**
     * One of the session's websockets closed.
     *
     * @param ws     the websocket
     * @param reason engine.io's reason, if it was the session's transport
     */
    void webSocketClosed(EngineIoWebSocket ws, String reason) {
        synchronized (this) {
            if (ws == probe) {
                probe = null;
                upgrading = false;
                upgradeDue = NEVER;
                return;
            }
        }
        if (ws == websocket) {
            close(reason);
        }
    }
}
