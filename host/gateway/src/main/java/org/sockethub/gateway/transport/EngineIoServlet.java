package org.sockethub.gateway.transport;

import io.socket.engineio.server.EngineIoServer;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Engine.IO's polling transport, with the gates the reference server has and engine.io-server
 * lacks: only protocol 4 ({@code EIO=4}), bodies over {@code maxPayload} refused with 413, and
 * the open packet in the reference's form ({@link OpenPacket}). The request body is read whole
 * before engine.io-server sees it.
 */
final class EngineIoServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** The header carrying the client's address into Socket.IO's handshake headers; set by us, never by the client. */
    static final String REMOTE_HEADER = "x-sockethub-remote";

    private final transient EngineIoServer server;
    private final long maxPayload;
    /** The timer groups of open polling connections, by socket id; see {@link SocketTimers}. */
    private final transient Map<String, SocketTimers.Group> timers = new ConcurrentHashMap<>();

    EngineIoServlet(EngineIoServer server, long maxPayload) {
        this.server = server;
        this.maxPayload = maxPayload;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String query = request.getQueryString() == null ? "" : request.getQueryString();
        String eio = param(query, "EIO");
        String transport = param(query, "transport");
        if (eio == null || transport == null) {
            error(response, 0, "Transport unknown");
            return;
        }
        if (!"4".equals(eio)) {
            error(response, 5, "Unsupported protocol version");
            return;
        }
        byte[] body = null;
        if ("POST".equalsIgnoreCase(request.getMethod())) {
            if (request.getContentLengthLong() > maxPayload) {
                tooLarge(response);
                return;
            }
            body = readAtMost(request.getInputStream(), maxPayload);
            if (body == null) {
                tooLarge(response);
                return;
            }
        }
        HttpServletRequest wrapped = new Request(request, body);
        String sid = param(query, "sid");
        if (sid == null && "GET".equalsIgnoreCase(request.getMethod())) {
            Handshake handshake = new Handshake(response);
            new SocketTimers.Group(timers).run(() -> server.handleRequest(wrapped, handshake));
            handshake.commit(maxPayload);
        } else {
            SocketTimers.Group group = sid == null ? null : timers.get(sid);
            if (group == null) {
                server.handleRequest(wrapped, response);
            } else {
                group.run(() -> server.handleRequest(wrapped, response));
            }
        }
    }

    private static void error(HttpServletResponse response, int code, String message) throws IOException {
        response.setStatus(400);
        response.setContentType("application/json");
        response.getWriter().write("{\"code\":" + code + ",\"message\":\"" + message + "\"}");
    }

    private static void tooLarge(HttpServletResponse response) throws IOException {
        response.setHeader("Connection", "close");
        response.sendError(413);
    }

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
            if (out.size() > limit) {
                return null;
            }
        }
        return out.toByteArray();
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    /** The request with its body already read, and our remote-address header. */
    private static final class Request extends HttpServletRequestWrapper {
        private final byte[] body;

        Request(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body == null ? super.getContentLength() : body.length;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (body == null) {
                return super.getInputStream();
            }
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    // engine.io-server passes the whole buffer length here; never read past the array
                    return in.read(b, off, Math.min(len, b.length - off));
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public String getHeader(String name) {
            return REMOTE_HEADER.equalsIgnoreCase(name) ? getRemoteAddr() : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return REMOTE_HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(getRemoteAddr())) : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(REMOTE_HEADER::equalsIgnoreCase);
            names.add(REMOTE_HEADER);
            return Collections.enumeration(names);
        }
    }

    /** Captures the handshake response so its open packet can be rewritten before it is sent. */
    private static final class Handshake extends HttpServletResponseWrapper {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final HttpServletResponse real;
        private PrintWriter writer;

        Handshake(HttpServletResponse response) {
            super(response);
            this.real = response;
        }

        @Override
        public void setContentLength(int len) {
            // set in commit(), once the body is final
        }

        @Override
        public void setContentLengthLong(long len) {
            // set in commit()
        }

        @Override
        public ServletOutputStream getOutputStream() {
            return new ServletOutputStream() {
                @Override
                public void write(int b) {
                    buffer.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    buffer.write(b, off, len);
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public PrintWriter getWriter() {
            if (writer == null) {
                writer = new PrintWriter(new java.io.OutputStreamWriter(buffer, StandardCharsets.UTF_8), true);
            }
            return writer;
        }

        void commit(long maxPayload) throws IOException {
            if (writer != null) {
                writer.flush();
            }
            String text = buffer.toString(StandardCharsets.UTF_8);
            byte[] out = OpenPacket.rewrite(text, maxPayload).getBytes(StandardCharsets.UTF_8);
            real.setContentLength(out.length);
            real.getOutputStream().write(out);
            real.getOutputStream().flush();
        }
    }
}
