package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Websocket reads on the selector's thread: one message at a time, every message of every
 * connection of a selector is read and handled by that one thread (with Jetty's default, the
 * thread that handles a message passes selecting on to another, so they take turns), and the
 * connections work as before.
 */
class WebSocketReadsInlineTest {

    private Server jetty;
    private final List<String> threads = new CopyOnWriteArrayList<>();

    /** Echoes each text frame, noting the thread that handled it. */
    private final class Echo implements FrameHandler {
        private CoreSession session;

        @Override
        public void onOpen(CoreSession s, Callback callback) {
            session = s;
            callback.succeeded();
            s.demand();
        }

        /** The text message being received (ASCII in these tests: fragments split no character). */
        private final StringBuilder message = new StringBuilder();

        @Override
        public void onFrame(Frame frame, Callback callback) {
            if (frame.getOpCode() == OpCode.TEXT || frame.getOpCode() == OpCode.CONTINUATION) {
                message.append(frame.getPayloadAsUTF8());
                if (frame.isFin()) {
                    threads.add(Thread.currentThread().getName());
                    session.sendFrame(new Frame(OpCode.TEXT, message.toString()), Callback.NOOP, false);
                    message.setLength(0);
                }
            }
            callback.succeeded();
            session.demand();
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        @Override
        public void onClosed(org.eclipse.jetty.websocket.core.CloseStatus status, Callback callback) {
            callback.succeeded();
        }
    }

    /** @param inline a connector that reads inline unless a read took longer than {@code inlineReadNanos}, or Jetty's default */
    private int start(boolean inline, long inlineReadNanos) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(12, 4);
        pool.setName("ws-test");
        jetty = new Server(pool);
        org.eclipse.jetty.server.ServerConnector connector = inline
                ? new WebSocketReadsInline(jetty, 1, inlineReadNanos) : new org.eclipse.jetty.server.ServerConnector(jetty, -1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler();
        upgrades.addMapping("/ws", (request, response, callback) -> new Echo());
        jetty.setHandler(upgrades);
        jetty.start();
        return connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (jetty != null) {
            jetty.stop();
        }
    }

    /** A websocket to the test server whose whole text messages go to {@code answers}. */
    private static WebSocket openSocket(HttpClient client, int port, LinkedBlockingQueue<String> answers) throws Exception {
        return client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletableFuture<?> onText(WebSocket socket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    answers.add(text.toString());
                    text.setLength(0);
                }
                socket.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    /** Opens {@code sockets} websockets and sends {@code each} messages on each, one round trip at a time. */
    private void talk(int port, int sockets, int each) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int s = 0; s < sockets; s++) {
            LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
            WebSocket ws = openSocket(client, port, answers);
            for (int i = 0; i < each; i++) {
                ws.sendText("m" + s + "-" + i, true).get(10, TimeUnit.SECONDS);
                assertEquals("m" + s + "-" + i, answers.poll(10, TimeUnit.SECONDS));
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyMessageIsHandledByTheSelectorsOneThread() throws Exception {
        // no read counts as a backlog here (a cold JVM's first reads are slow)
        talk(start(true, TimeUnit.SECONDS.toNanos(30)), 3, 40);
        assertEquals(120, threads.size());
        Set<String> distinct = Set.copyOf(threads);
        assertEquals(1, distinct.size(), "one selector, one thread: " + distinct);
    }

    @Test
    void burstsAndMessagesLargerThanAReadAllArriveInOrder() throws Exception {
        // a read that empties the socket skips the next one (it would find nothing); bytes that come
        // meanwhile are reported by the selector: nothing may be left unread
        int port = start(true, TimeUnit.SECONDS.toNanos(30));
        HttpClient client = HttpClient.newHttpClient();
        LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
        WebSocket ws = openSocket(client, port, answers);
        List<String> sent = new java.util.ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 25; i++) { // sent without waiting for the echoes
                String m = round % 5 == 4 && i == 0 ? "large-" + round + "-" + "x".repeat(100_000) : "m" + round + "-" + i;
                sent.add(m);
                ws.sendText(m, true).get(10, TimeUnit.SECONDS);
            }
            Thread.sleep(round % 3); // some rounds come while the last is read, some after
        }
        for (String m : sent) {
            assertEquals(m, answers.poll(10, TimeUnit.SECONDS));
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }

    @Test
    void aConnectionWhoseReadsTakeLongerIsReadByThePoolAsWithJettysDefault() throws Exception {
        // every read counts as a backlog: each is dispatched, and the pool's threads take turns
        talk(start(true, 0), 1, 40);
        Set<String> distinct = Set.copyOf(threads);
        assertEquals(true, distinct.size() > 1, "threads: " + distinct);
    }

    @Test
    void withJettysDefaultTheThreadsTakeTurns() throws Exception {
        // the contrast that makes the tests above mean something: the default hands selecting on
        talk(start(false, 0), 1, 40);
        Set<String> distinct = Set.copyOf(threads);
        assertEquals(true, distinct.size() > 1, "threads: " + distinct);
    }
}
