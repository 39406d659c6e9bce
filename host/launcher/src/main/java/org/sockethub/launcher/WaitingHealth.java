package org.sockethub.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The server's port while the host waits for a configured Redis at start ({@code
 * redis.startWaitMs}): every request is answered 503, {@code /health} with the JSON the gateway's
 * own {@code /health} gives when Redis does not answer. Monitoring sees "unavailable" instead of a
 * refused connection, and a Socket.IO client's connect fails at once and is retried. Closed before
 * the gateway opens the port.
 */
final class WaitingHealth {

    static final String BODY = "{\"redis\":\"unreachable\",\"workers\":[],\"status\":\"unavailable\"}";

    private WaitingHealth() {
    }

    /**
     * @param host the address the gateway will listen on
     * @param port its port
     * @param log  told when the port cannot be opened (the wait goes on without it)
     * @return what closes the placeholder (a no-op when the port could not be opened)
     */
    static Runnable open(String host, int port, java.util.function.Consumer<String> log) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
            server.createContext("/", exchange -> {
                try (exchange) {
                    boolean health = "/health".equals(exchange.getRequestURI().getPath());
                    byte[] body = (health ? BODY : "Redis is not reachable yet; the server is starting\n").getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", health ? "application/json" : "text/plain; charset=utf-8");
                    exchange.getResponseHeaders().set("Cache-Control", "no-store");
                    exchange.getResponseHeaders().set("Retry-After", "1");
                    exchange.sendResponseHeaders(503, "HEAD".equals(exchange.getRequestMethod()) ? -1 : body.length);
                    if (!"HEAD".equals(exchange.getRequestMethod())) {
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(body);
                        }
                    }
                }
            });
            server.start();
            return () -> server.stop(0);
        } catch (IOException | RuntimeException e) {
            log.accept("could not answer /health on " + host + ":" + port + " while waiting for Redis: " + e);
            return () -> { };
        }
    }
}
