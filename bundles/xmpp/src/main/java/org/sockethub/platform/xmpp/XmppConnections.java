package org.sockethub.platform.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ReconnectionManager;
import org.jivesoftware.smack.parsing.ExceptionLoggingCallback;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smack.xml.SmackXmlParser;
import org.jivesoftware.smack.xml.stax.StaxXmlPullParserFactory;
import org.jxmpp.stringprep.XmppStringPrepUtil;
import org.jxmpp.stringprep.XmppStringprep;
import org.jxmpp.stringprep.XmppStringprepException;
import org.jxmpp.stringprep.simple.SimpleXmppStringprep;

/**
 * Smack set-up: the embedded XML parser, the connection configuration derived from the
 * credentials and the operator's settings, and per-connection behaviour.
 *
 * <p>Operator settings ({@code packageConfig["@sockethub/platform-xmpp"]}):
 * <ul>
 *   <li>{@code connectTimeoutMs} (default 10000): TCP connect and reply timeout;</li>
 *   <li>{@code trustedCertificates}: path of a PEM file whose certificates are trusted for TLS
 *       in addition to the JVM's trust store (e.g. a test server's self-signed certificate);</li>
 *   <li>{@code requireTls} (default false): refuse servers that do not offer STARTTLS;</li>
 *   <li>{@code reconnectInitialDelayMs} (1000) and {@code reconnectMaxDelayMs} (30000): the
 *       backoff after a dropped connection.</li>
 * </ul>
 */
final class XmppConnections {

    static {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            // Smack finds its XML parser with ServiceLoader; embedded in a bundle, name it.
            SmackXmlParser.setXmlPullParserFactory(new StaxXmlPullParserFactory());
            // Run Smack's initialisers now. Its classes and config files load through this bundle;
            // the context class loader is the system one because the JNDI DNS resolver it sets up
            // must find the JDK's DNS context factory (a bundle class loader cannot instantiate it).
            thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
            Class.forName("org.jivesoftware.smack.SmackInitialization", true, XmppConnections.class.getClassLoader());
            // Keep the case of local parts as the client and the peers wrote them (upstream does).
            // After Smack's initialisers; XmppStringPrepUtil's own initialiser installs the default first.
            XmppStringPrepUtil.setXmppStringprep(new CasePreservingStringprep());
            Roster.setDefaultSubscriptionMode(Roster.SubscriptionMode.manual);
            XMPPTCPConnection.setUseStreamManagementDefault(false);
            ReconnectionManager.setEnabledPerDefault(false);
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private XmppConnections() {
    }

    /** Initialises Smack (once, in this class's static initialiser). */
    static void init() {
        // the static initialiser does the work
    }

    static XMPPTCPConnectionConfiguration configuration(XmppAccount account, JsonNode config) throws Exception {
        int timeout = Math.max(1000, config.path("connectTimeoutMs").asInt(10000));
        XMPPTCPConnectionConfiguration.Builder builder = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(account.domain())
                .setUsernameAndPassword(account.username(), account.password())
                .setConnectTimeout(timeout)
                .setSendPresence(true)
                .setCompressionEnabled(false);
        if (!account.resource().isEmpty()) {
            builder.setResource(account.resource());
        }
        if (account.host() != null) {
            builder.setHost(account.host());
            builder.setPort(account.port());
        }
        X509TrustManager trust = trustManager(config.path("trustedCertificates").asText(""));
        if (trust != null) {
            builder.setCustomX509TrustManager(trust);
        }
        if (account.directTls()) {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust == null ? null : new TrustManager[] {trust}, null);
            builder.setSocketFactory(new HostCheckingSocketFactory(tls.getSocketFactory(), account.domain()));
            builder.setSecurityMode(SecurityMode.disabled);
        } else {
            builder.setSecurityMode(config.path("requireTls").asBoolean(false) ? SecurityMode.required : SecurityMode.ifpossible);
        }
        return builder.build();
    }

    static void prepare(XMPPTCPConnection connection, JsonNode config) {
        connection.setReplyTimeout(Math.max(1000, config.path("connectTimeoutMs").asInt(10000)));
        connection.setUseStreamManagement(false);
        // A stanza Smack cannot parse is logged and skipped, not a reason to drop the connection.
        connection.setParsingExceptionCallback(new ExceptionLoggingCallback());
        ReconnectionManager.getInstanceFor(connection).disableAutomaticReconnection();
        Roster roster = Roster.getInstanceFor(connection);
        roster.setSubscriptionMode(Roster.SubscriptionMode.manual);
        roster.setRosterLoadedAtLogin(true);
    }

    /**
     * @param pemFile a PEM file with one or more certificates, or empty
     * @return a trust manager that accepts what the JVM's default one accepts, plus chains ending
     *         in one of the file's certificates; {@code null} when no file is configured
     */
    static X509TrustManager trustManager(String pemFile) throws IOException, GeneralSecurityException {
        if (pemFile.isEmpty()) {
            return null;
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(pemFile))) {
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("trusted-" + i++, cert);
            }
        }
        X509TrustManager extra = x509(store);
        X509TrustManager defaults = x509(null);
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                defaults.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    defaults.checkServerTrusted(chain, authType);
                } catch (CertificateException e) {
                    extra.checkServerTrusted(chain, authType);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                List<X509Certificate> all = new ArrayList<>(List.of(defaults.getAcceptedIssuers()));
                all.addAll(List.of(extra.getAcceptedIssuers()));
                return all.toArray(new X509Certificate[0]);
            }
        };
    }

    private static X509TrustManager x509(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509TrustManager) {
                return (X509TrustManager) tm;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }

    /**
     * For a failed direct-TLS connection: the reason a TLS handshake with the same endpoint and
     * the same checks fails, if it does.
     */
    static java.util.Optional<String> tlsProblem(XmppAccount account, JsonNode config) {
        try {
            X509TrustManager trust = trustManager(config.path("trustedCertificates").asText(""));
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust == null ? null : new TrustManager[] {trust}, null);
            int timeout = Math.max(1000, config.path("connectTimeoutMs").asInt(10000));
            try (java.net.Socket socket = new HostCheckingSocketFactory(tls.getSocketFactory(), account.domain()).createSocket()) {
                socket.connect(new java.net.InetSocketAddress(account.host(), account.port()), timeout);
                socket.setSoTimeout(timeout);
                ((SSLSocket) socket).startHandshake();
            }
            return java.util.Optional.empty();
        } catch (javax.net.ssl.SSLException e) {
            return java.util.Optional.of(e.getMessage());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** jxmpp's simple stringprep, except that local parts keep their case. */
    private static final class CasePreservingStringprep implements XmppStringprep {
        private final SimpleXmppStringprep simple = SimpleXmppStringprep.getInstance();

        @Override
        public String localprep(String string) throws XmppStringprepException {
            simple.localprep(string); // validates
            return string;
        }

        @Override
        public String domainprep(String string) throws XmppStringprepException {
            return simple.domainprep(string);
        }

        @Override
        public String resourceprep(String string) throws XmppStringprepException {
            return simple.resourceprep(string);
        }
    }

    /** Direct TLS ({@code xmpps://}): TLS sockets that check the certificate against the XMPP domain. */
    private static final class HostCheckingSocketFactory extends javax.net.SocketFactory {
        private final SSLSocketFactory delegate;
        private final String domain;

        HostCheckingSocketFactory(SSLSocketFactory delegate, String domain) {
            this.delegate = delegate;
            this.domain = domain;
        }

        private java.net.Socket secure(java.net.Socket socket) {
            SSLSocket ssl = (SSLSocket) socket;
            SSLParameters params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            params.setServerNames(List.of(new javax.net.ssl.SNIHostName(domain)));
            ssl.setSSLParameters(params);
            return ssl;
        }

        @Override
        public java.net.Socket createSocket() throws IOException {
            return secure(delegate.createSocket());
        }

        @Override
        public java.net.Socket createSocket(String host, int port) throws IOException {
            return secure(delegate.createSocket(host, port));
        }

        @Override
        public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort) throws IOException {
            return secure(delegate.createSocket(host, port, local, localPort));
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress host, int port) throws IOException {
            return secure(delegate.createSocket(host, port));
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress local, int localPort)
                throws IOException {
            return secure(delegate.createSocket(address, port, local, localPort));
        }
    }
}
