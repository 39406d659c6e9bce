package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.OutgoingEntry;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineIoWebSocketTest {

    /** A WebSocket session that records what is sent and how often the endpoint asks for more. */
    private static final class RecordingSession extends CoreSession.Empty {
        final List<Frame> sent = new ArrayList<>();
        int demanded;

        @Override
        public void sendFrame(OutgoingEntry entry) {
            sent.add(Frame.copy(entry.getFrame()));
            entry.getCallback().succeeded();
        }

        @Override
        public void demand() {
            demanded++;
        }

        @Override
        public boolean isOutputOpen() {
            return true;
        }

        @Override
        public SocketAddress getRemoteAddress() {
            return new InetSocketAddress("127.0.0.1", 40000);
        }
    }

    private final List<Object> messages = new ArrayList<>();
    private final List<String> closes = new ArrayList<>();
    private final EngineIo server = new EngineIo(25_000, 20_000, 100, null, session -> new EngineIoSession.Listener() {
        @Override
        public void message(Object data) {
            messages.add(data);
        }

        @Override
        public void closed(String reason) {
            closes.add(reason);
        }
    });
    private final RecordingSession session = new RecordingSession();
    private EngineIoWebSocket endpoint;

    @BeforeEach
    void open() {
        session.setMaxTextMessageSize(100);
        session.setMaxBinaryMessageSize(100);
        endpoint = new EngineIoWebSocket(server, null, HandshakeHeaders.of(HttpFields.EMPTY), "127.0.0.1");
        endpoint.onOpen(session, Callback.NOOP);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Frame text(byte opCode, String text, boolean fin) {
        return new Frame(opCode, fin, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private Throwable deliver(Frame frame) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        endpoint.onFrame(frame, Callback.from(() -> { }, failure::set));
        return failure.get();
    }

    @Test
    void sendsTheReferenceOpenPacketFirst() {
        String open = session.sent.get(0).getPayloadAsUTF8();
        assertTrue(open.matches("0\\{\"sid\":\"[^\"]+\",\"upgrades\":\\[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":100}"), open);
    }

    @Test
    void assemblesATextMessageFromItsFrames() {
        assertNull(deliver(text(OpCode.TEXT, "4hel", false)));
        assertNull(deliver(text(OpCode.CONTINUATION, "lo ", false)));
        assertNull(deliver(text(OpCode.CONTINUATION, "wörld", true)));
        assertEquals(List.of("hello wörld"), messages);
        assertNull(deliver(text(OpCode.TEXT, "4again", true)));
        assertEquals(List.of("hello wörld", "again"), messages);
    }

    @Test
    void assemblesABinaryMessage() {
        assertNull(deliver(new Frame(OpCode.BINARY, false, ByteBuffer.wrap(new byte[] {1, 2}))));
        assertNull(deliver(new Frame(OpCode.CONTINUATION, true, ByteBuffer.wrap(new byte[] {3}))));
        assertEquals(1, messages.size());
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) messages.get(0));
    }

    @Test
    void refusesAMessageOverTheLimitAndInvalidText() {
        assertNull(deliver(text(OpCode.TEXT, "4" + "x".repeat(60), false)));
        assertInstanceOf(MessageTooLargeException.class, deliver(text(OpCode.CONTINUATION, "x".repeat(60), true)));
        assertInstanceOf(BadPayloadException.class,
                deliver(new Frame(OpCode.TEXT, true, ByteBuffer.wrap(new byte[] {'4', (byte) 0xC3}))));
        assertEquals(List.of(), messages);
    }

    @Test
    void answersAPingWithItsPayload() {
        int before = session.demanded;
        assertNull(deliver(new Frame(OpCode.PING, ByteBuffer.wrap(new byte[] {7}))));
        Frame pong = session.sent.get(session.sent.size() - 1);
        assertEquals(OpCode.PONG, pong.getOpCode());
        assertEquals(7, pong.getPayload().get(0));
        assertEquals(before + 1, session.demanded);
    }

    @Test
    void tellsTheSessionOfTheCloseOnce() {
        assertNull(deliver(new CloseStatus(CloseStatus.NORMAL, "bye").toFrame()));
        endpoint.onClosed(new CloseStatus(CloseStatus.NORMAL, "bye"), Callback.NOOP);
        assertEquals(List.of("transport close"), closes);
        assertEquals(0, server.size());
    }

    @Test
    void answersPongsAndClosesOnPacketsEngineIoRefuses() {
        assertNull(deliver(text(OpCode.TEXT, "3", true)));
        assertNull(deliver(text(OpCode.TEXT, "6", true)));
        assertEquals(List.of(), closes);
        assertNull(deliver(text(OpCode.TEXT, "9x", true)));
        assertEquals(List.of("parse error"), closes);
    }

    @Test
    void aPingFromTheClientIsAnError() {
        assertNull(deliver(text(OpCode.TEXT, "2", true)));
        assertEquals(List.of("transport error"), closes);
    }
}
