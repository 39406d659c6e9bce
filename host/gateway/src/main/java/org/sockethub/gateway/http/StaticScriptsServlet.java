package org.sockethub.gateway.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The browser scripts a page loads from the server (spec §6.6): {@code /socket.io.js} (global
 * {@code io}) and {@code /sockethub-client.js}, {@code /sockethub-client.min.js} (global
 * {@code SockethubClient}), taken at build time from the released npm packages
 * ({@code socket.io-client}, {@code @sockethub/client}); see this module's pom.
 */
public final class StaticScriptsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The paths served, and their resources in this bundle. */
    public static final Map<String, String> SCRIPTS = Map.of(
            "/socket.io.js", "socket.io.js",
            "/sockethub-client.js", "sockethub-client.js",
            "/sockethub-client.min.js", "sockethub-client.min.js");

    private final Map<String, byte[]> bodies = new java.util.HashMap<>();

    /** Reads every script once. */
    public StaticScriptsServlet() {
        SCRIPTS.forEach((path, resource) -> {
            try (InputStream in = StaticScriptsServlet.class.getResourceAsStream("scripts/" + resource)) {
                if (in == null) {
                    throw new IllegalStateException("the bundle lacks scripts/" + resource + " (built from npm)");
                }
                bodies.put(path, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = bodies.get(request.getServletPath());
        if (body == null) {
            response.sendError(404);
            return;
        }
        response.setStatus(200);
        response.setContentType("application/javascript; charset=utf-8");
        response.setHeader("Access-Control-Allow-Origin", "*");
        response.setHeader("Cache-Control", "public, max-age=3600");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
