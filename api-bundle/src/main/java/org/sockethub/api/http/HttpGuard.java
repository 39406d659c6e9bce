package org.sockethub.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches {@code http}/{@code https} resources for platforms without letting a client reach the
 * server's own network.
 *
 * <p>For every hop (redirects are followed here, one at a time, never by the HTTP stack):
 * <ol>
 *   <li>the scheme must be {@code http} or {@code https};</li>
 *   <li>the host is read as an address literal in any spelling ({@link AddressPolicy#literal}),
 *       or resolved, and <em>every</em> address must be public ({@link AddressPolicy#isPublic})
 *       unless the operator set {@code allowPrivateAddresses};</li>
 *   <li>the address actually connected to is the checked one: plain HTTP connects to the checked
 *       address itself (the request carries the URL in absolute form, which origin servers must
 *       accept), and HTTPS checks the connected socket's peer address before the TLS handshake
 *       sends a byte, so a name that resolves differently the second time (DNS rebinding) gains
 *       nothing.</li>
 * </ol>
 * Redirects are capped ({@code maxRedirects}, default 20), the body is capped while it streams
 * ({@code maxBodyBytes}, default 5 MiB) and the whole fetch, redirects included, has one deadline.
 * Failures are {@link GuardException}s whose messages are meant for clients.
 *
 * <p>Thread-safe; one guard serves every job of a platform instance. {@link #close()} it in
 * {@link org.sockethub.api.PlatformInstance#cleanup()}.
 */
public final class HttpGuard implements AutoCloseable {

    /** The default body cap: 5 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 5L * 1024 * 1024;
    /** The default redirect cap. */
    public static final int DEFAULT_MAX_REDIRECTS = 20;
    /** The default deadline of one fetch. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** Resolves host names; replaceable in tests. */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final boolean allowPrivateAddresses;
    private final Predicate<InetAddress> permit;
    private final String userAgent;
    private final int maxRedirects;
    private final long maxBodyBytes;
    private final Duration timeout;
    private final SSLContext sslContext;
    private volatile SSLSocketFactory tls;
    private final Resolver resolver;
    private final ScheduledExecutorService timer;

    private HttpGuard(Builder b) {
        this.allowPrivateAddresses = b.allowPrivateAddresses;
        this.permit = b.permit;
        this.userAgent = b.userAgent;
        this.maxRedirects = b.maxRedirects;
        this.maxBodyBytes = b.maxBodyBytes;
        this.timeout = b.timeout;
        this.resolver = b.resolver;
        this.sslContext = b.sslContext;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "http-guard-deadline");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    /**
     * The User-Agent Sockethub's platforms send unless the operator sets {@code userAgent}.
     *
     * @param version the platform's version
     * @return {@code Mozilla/5.0 (compatible; SockethubBot/<version>; +https://sockethub.org)}
     */
    public static String defaultUserAgent(String version) {
        return "Mozilla/5.0 (compatible; SockethubBot/" + version + "; +https://sockethub.org)";
    }

    /** @return a builder with the defaults: private addresses refused, 20 redirects, 5 MiB, 5 s */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A guard from a platform's merged configuration ({@link org.sockethub.api.PlatformContext#config()}).
     * Keys read: {@code allowPrivateAddresses} (only the boolean {@code true} enables it),
     * {@code userAgent}, {@code maxRedirects}, {@code maxBodyBytes} and the deadline
     * {@code timeoutMs}, else {@code connectTimeoutMs}.
     *
     * @param config           the platform's configuration (operator settings only)
     * @param defaultUserAgent the User-Agent when {@code userAgent} is not set
     * @return the guard
     */
    public static HttpGuard fromConfig(ObjectNode config, String defaultUserAgent) {
        Builder b = builder().userAgent(defaultUserAgent);
        if (config == null) {
            return b.build();
        }
        b.allowPrivateAddresses(config.path("allowPrivateAddresses").isBoolean() && config.get("allowPrivateAddresses").asBoolean());
        JsonNode ua = config.get("userAgent");
        if (ua != null && ua.isTextual() && !ua.asText().isBlank()) {
            b.userAgent(ua.asText());
        }
        if (config.path("maxRedirects").canConvertToInt() && config.get("maxRedirects").asInt() >= 0) {
            b.maxRedirects(config.get("maxRedirects").asInt());
        }
        if (config.path("maxBodyBytes").isIntegralNumber() && config.get("maxBodyBytes").asLong() > 0) {
            b.maxBodyBytes(config.get("maxBodyBytes").asLong());
        }
        JsonNode ms = config.path("timeoutMs").isIntegralNumber() ? config.get("timeoutMs") : config.get("connectTimeoutMs");
        if (ms != null && ms.isIntegralNumber() && ms.asLong() > 0) {
            b.timeout(Duration.ofMillis(ms.asLong()));
        }
        return b.build();
    }

    /** @return the deadline of one fetch */
    public Duration timeout() {
        return timeout;
    }

    /** @return the body cap in bytes */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** @return the User-Agent sent */
    public String userAgent() {
        return userAgent;
    }

    /**
     * GETs a URL.
     *
     * @param url the URL
     * @return the final response (any status), its body read up to the cap
     * @throws GuardException if the fetch was refused or failed
     */
    public GuardedResponse get(String url) throws GuardException {
        return get(url, Map.of());
    }

    /**
     * GETs a URL with extra request headers ({@code User-Agent} is the guard's own).
     *
     * @param url     the URL
     * @param headers request headers, e.g. {@code Accept}
     * @return the final response (any status), its body read up to the cap
     * @throws GuardException if the fetch was refused or failed
     */
    public GuardedResponse get(String url, Map<String, String> headers) throws GuardException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI current = parse(url);
        for (int hop = 0; ; hop++) {
            Exchange exchange = exchange(current, headers, deadline);
            if (exchange.location != null) {
                if (hop >= maxRedirects) {
                    throw new GuardException(GuardException.Reason.TOO_MANY_REDIRECTS, "redirect count exceeded");
                }
                try {
                    current = parse(current.resolve(new URI(exchange.location.trim())).toString());
                } catch (URISyntaxException e) {
                    throw new GuardException(GuardException.Reason.NETWORK, "invalid redirect location from " + redact(current.toString()));
                }
                continue;
            }
            return exchange.response;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    // ---- one hop ----

    private static final class Exchange {
        GuardedResponse response;
        String location;
    }

    private Exchange exchange(URI uri, Map<String, String> headers, long deadline) throws GuardException {
        String host = hostOf(uri);
        int port = uri.getPort() >= 0 ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
        Optional<InetAddress> literal;
        try {
            literal = AddressPolicy.literal(host);
        } catch (UnknownHostException e) {
            throw new GuardException(GuardException.Reason.BLOCKED_ADDRESS, "blocked non-public address " + host);
        }
        InetAddress[] addresses;
        if (literal.isPresent()) {
            addresses = new InetAddress[] {literal.get()};
        } else {
            try {
                addresses = resolver.resolve(host);
            } catch (UnknownHostException e) {
                throw new GuardException(GuardException.Reason.UNKNOWN_HOST, "could not resolve host " + host);
            }
            if (addresses.length == 0) {
                throw new GuardException(GuardException.Reason.UNKNOWN_HOST, "could not resolve host " + host);
            }
        }
        for (InetAddress a : addresses) {
            if (!allowed(a)) {
                throw blocked(a, literal.isPresent() ? null : host);
            }
        }
        String urlHost = literal.map(a -> a instanceof java.net.Inet6Address ? "[" + AddressPolicy.format(a) + "]" : AddressPolicy.format(a))
                .orElse(host);
        String file = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
        URL target;
        try {
            target = new URL(uri.getScheme(), urlHost, uri.getPort(), file);
        } catch (IOException e) {
            throw new GuardException(GuardException.Reason.INVALID_URL, "invalid URL: " + redact(uri.toString()));
        }

        long remainingMs = remainingMs(deadline);
        HttpURLConnection conn;
        try {
            if ("https".equals(uri.getScheme())) {
                HttpsURLConnection https = (HttpsURLConnection) target.openConnection(Proxy.NO_PROXY);
                https.setSSLSocketFactory(tls());
                conn = https;
            } else if (literal.isPresent()) {
                conn = (HttpURLConnection) target.openConnection(Proxy.NO_PROXY);
            } else {
                // connect to the address checked above, not to whatever the name resolves to next
                conn = (HttpURLConnection) target.openConnection(
                        new Proxy(Proxy.Type.HTTP, new InetSocketAddress(addresses[0], port)));
            }
        } catch (IOException e) {
            throw new GuardException(GuardException.Reason.NETWORK, failure(uri, e), e);
        }
        conn.setInstanceFollowRedirects(false);
        conn.setUseCaches(false);
        conn.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
        conn.setReadTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
        conn.setRequestProperty("User-Agent", userAgent);
        headers.forEach((k, v) -> {
            if (!"user-agent".equalsIgnoreCase(k)) {
                conn.setRequestProperty(k, v);
            }
        });
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> watchdog = timer.schedule(() -> {
            expired.set(true);
            conn.disconnect();
        }, remainingMs, TimeUnit.MILLISECONDS);
        try {
            int status = conn.getResponseCode();
            Exchange exchange = new Exchange();
            String location = conn.getHeaderField("Location");
            if (status >= 300 && status < 400 && status != 304 && location != null) {
                exchange.location = location;
                conn.disconnect();
                return exchange;
            }
            long declared = conn.getContentLengthLong();
            if (declared > maxBodyBytes) {
                conn.disconnect();
                throw tooLarge();
            }
            byte[] body = read(status >= 400 ? conn.getErrorStream() : conn.getInputStream(), conn);
            Map<String, java.util.List<String>> responseHeaders = new LinkedHashMap<>(conn.getHeaderFields());
            exchange.response = new GuardedResponse(uri, status, conn.getResponseMessage(), responseHeaders, body);
            return exchange;
        } catch (GuardException e) {
            throw expired.get() ? timedOut() : e;
        } catch (IOException e) {
            GuardException refused = find(e);
            if (refused != null) {
                throw refused;
            }
            if (expired.get() || e instanceof SocketTimeoutException || remainingMs(deadline) <= 0) {
                conn.disconnect();
                throw timedOut();
            }
            conn.disconnect();
            throw new GuardException(GuardException.Reason.NETWORK, failure(uri, e), e);
        } finally {
            watchdog.cancel(false);
        }
    }

    /** The TLS layer, made on first use: loading the JVM's trust store is slow, and many guards never need it. */
    private SSLSocketFactory tls() {
        SSLSocketFactory f = tls;
        if (f == null) {
            synchronized (this) {
                if (tls == null) {
                    SSLSocketFactory base = sslContext != null ? sslContext.getSocketFactory()
                            : (SSLSocketFactory) SSLSocketFactory.getDefault();
                    tls = new CheckingSocketFactory(base, this::checkConnected);
                }
                f = tls;
            }
        }
        return f;
    }

    private byte[] read(InputStream in, HttpURLConnection conn) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (InputStream body = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16384];
            long total = 0;
            for (int n; (n = body.read(buffer)) >= 0; ) {
                total += n;
                if (total > maxBodyBytes) {
                    conn.disconnect();
                    throw tooLarge();
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    private boolean allowed(InetAddress address) {
        return allowPrivateAddresses || AddressPolicy.isPublic(address) || permit.test(address);
    }

    /** The HTTPS connect-time check on the socket's real peer, before any TLS byte is sent. */
    private void checkConnected(Socket socket, String host) throws GuardException {
        InetAddress peer = socket.getInetAddress();
        if (peer == null || !allowed(peer)) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // refusing anyway
            }
            throw peer == null ? new GuardException(GuardException.Reason.BLOCKED_ADDRESS, "blocked non-public address " + host)
                    : blocked(peer, host);
        }
    }

    private static GuardException blocked(InetAddress address, String host) {
        String ip = AddressPolicy.format(address);
        boolean named = host != null && !host.equalsIgnoreCase(ip);
        return new GuardException(GuardException.Reason.BLOCKED_ADDRESS,
                "blocked non-public address " + ip + (named ? " for " + host : ""));
    }

    private GuardException tooLarge() {
        return new GuardException(GuardException.Reason.TOO_LARGE, "response body too large (limit " + maxBodyBytes + " bytes)");
    }

    private GuardException timedOut() {
        return new GuardException(GuardException.Reason.TIMEOUT, "timed out after " + timeout.toMillis() + " ms");
    }

    private static GuardException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GuardException) {
                return (GuardException) t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String failure(URI uri, IOException e) {
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "request to " + redact(uri.toString()) + " failed: " + what;
    }

    private static long remainingMs(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    // ---- URLs ----

    private static URI parse(String url) throws GuardException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new GuardException(GuardException.Reason.INVALID_URL, "invalid URL: " + redact(String.valueOf(url)));
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new GuardException(GuardException.Reason.INVALID_URL, "invalid URL: " + redact(url));
        }
        String lower = scheme.toLowerCase(Locale.ROOT);
        if (!"http".equals(lower) && !"https".equals(lower)) {
            throw new GuardException(GuardException.Reason.UNSUPPORTED_SCHEME, "unsupported URL scheme " + lower);
        }
        if (!lower.equals(scheme)) {
            try {
                uri = new URI(lower + url.substring(scheme.length()));
            } catch (URISyntaxException e) {
                throw new GuardException(GuardException.Reason.INVALID_URL, "invalid URL: " + redact(url));
            }
        }
        String host = hostOf(uri);
        if (host == null || host.isEmpty()) {
            throw new GuardException(GuardException.Reason.INVALID_URL, "invalid URL: " + redact(url));
        }
        return uri;
    }

    /**
     * The URL's host. {@link URI#getHost()} gives up on hosts such as {@code 2130706433} or
     * {@code 0x7f.1} (not valid host names); those are read from the authority, so the address
     * rules see them.
     */
    private static String hostOf(URI uri) {
        if (uri.getHost() != null) {
            return uri.getHost();
        }
        String authority = uri.getRawAuthority();
        if (authority == null) {
            return null;
        }
        int at = authority.lastIndexOf('@');
        String hostPort = at >= 0 ? authority.substring(at + 1) : authority;
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end > 0 ? hostPort.substring(0, end + 1) : null;
        }
        int colon = hostPort.lastIndexOf(':');
        String host = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
        try {
            // only address spellings are let through; a host the URI parser refused that is not
            // an address (an underscore, a space) stays invalid
            return AddressPolicy.literal(host).isPresent() ? host : null;
        } catch (UnknownHostException unparseable) {
            return host; // refused later as an unparseable address
        }
    }

    /**
     * A URL without its {@code user:password@} part, for error texts.
     *
     * @param url a URL
     * @return the URL without credentials
     */
    public static String redact(String url) {
        if (url == null) {
            return "null";
        }
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@", "$1");
    }

    // ---- builder ----

    /** Builds an {@link HttpGuard}. */
    public static final class Builder {
        private boolean allowPrivateAddresses;
        private Predicate<InetAddress> permit = a -> false;
        private String userAgent = "Mozilla/5.0 (compatible; SockethubBot; +https://sockethub.org)";
        private int maxRedirects = DEFAULT_MAX_REDIRECTS;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private Duration timeout = DEFAULT_TIMEOUT;
        private SSLContext sslContext;
        private Resolver resolver = InetAddress::getAllByName;

        private Builder() {
        }

        /**
         * Lifts the address rule entirely. An operator setting for development and tests that
         * serve fixtures on 127.0.0.1; never derive it from a client message.
         *
         * @param allow {@code true} to allow every address
         * @return this builder
         */
        public Builder allowPrivateAddresses(boolean allow) {
            this.allowPrivateAddresses = allow;
            return this;
        }

        /**
         * Allows non-public addresses the predicate accepts (e.g. one intranet host), keeping the
         * rule for all others.
         *
         * @param permit accepts the addresses to allow
         * @return this builder
         */
        public Builder permit(Predicate<InetAddress> permit) {
            this.permit = Objects.requireNonNull(permit, "permit");
            return this;
        }

        /**
         * @param userAgent the User-Agent header of every request
         * @return this builder
         */
        public Builder userAgent(String userAgent) {
            this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
            return this;
        }

        /**
         * @param maxRedirects redirects followed at most (0: none)
         * @return this builder
         */
        public Builder maxRedirects(int maxRedirects) {
            if (maxRedirects < 0) {
                throw new IllegalArgumentException("maxRedirects < 0");
            }
            this.maxRedirects = maxRedirects;
            return this;
        }

        /**
         * @param maxBodyBytes the body cap
         * @return this builder
         */
        public Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes < 1");
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /**
         * @param timeout the deadline of one fetch, redirects included
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * @param sslContext the TLS context for {@code https} (default: the JVM's)
         * @return this builder
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        Builder resolver(Resolver resolver) {
            this.resolver = Objects.requireNonNull(resolver);
            return this;
        }

        /** @return the guard */
        public HttpGuard build() {
            return new HttpGuard(this);
        }
    }

    /** Layers TLS only over sockets whose peer passes the address rule. */
    private static final class CheckingSocketFactory extends SSLSocketFactory {
        interface Check {
            void accept(Socket socket, String host) throws GuardException;
        }

        private final SSLSocketFactory delegate;
        private final Check check;

        CheckingSocketFactory(SSLSocketFactory delegate, Check check) {
            this.delegate = delegate;
            this.check = check;
        }

        // createSocket() keeps SocketFactory's "unconnected sockets not implemented" answer, so
        // the JDK connects a plain socket and then layers TLS over it here, where its peer is known.

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            check.accept(socket, host);
            return delegate.createSocket(socket, host, port, autoClose);
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            throw new SocketException("the HTTP guard only layers TLS over checked sockets");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            throw new SocketException("the HTTP guard only layers TLS over checked sockets");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            throw new SocketException("the HTTP guard only layers TLS over checked sockets");
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            throw new SocketException("the HTTP guard only layers TLS over checked sockets");
        }
    }
}
