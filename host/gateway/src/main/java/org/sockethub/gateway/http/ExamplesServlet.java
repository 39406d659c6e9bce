package org.sockethub.gateway.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The examples pages at {@code /examples/} (config {@code examples}, flag {@code --examples}; off
 * by default): an index of the registered platforms and a page per platform (dummy, feeds,
 * metadata, IRC, XMPP) with a raw log of every activity, plain HTML/CSS/JS using the scripts of
 * {@link StaticScriptsServlet}. Also a feed and a page to try feeds and link previews on
 * ({@code /examples/fixtures/}), which the reference serves for its integration tests.
 */
public final class ExamplesServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("(fixtures/)?[a-z0-9-]+\\.(html|css|js|xml)");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
            "js", "application/javascript; charset=utf-8", "xml", "application/rss+xml; charset=utf-8");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null) {
            response.sendRedirect(request.getRequestURI() + "/");
            return;
        }
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!NAME.matcher(name).matches()) {
            response.sendError(404);
            return;
        }
        try (InputStream in = ExamplesServlet.class.getResourceAsStream("examples/" + name)) {
            if (in == null) {
                response.sendError(404);
                return;
            }
            byte[] body = in.readAllBytes();
            response.setStatus(200);
            response.setContentType(TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
            response.setHeader("Cache-Control", "no-cache");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
