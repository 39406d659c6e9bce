package org.sockethub.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS through the guard against a JDK HTTPS server on 127.0.0.1 with a throw-away certificate
 * for {@code localhost}: the TLS path works when allowed, and the check on the connected socket
 * refuses a name whose first resolution looked public but whose connection lands on loopback
 * (DNS rebinding), before the TLS handshake sends anything.
 */
class HttpsGuardTest {

    @TempDir
    static Path dir;
    static HttpsServer server;
    static SSLContext trusting;
    static final List<String> seen = new CopyOnWriteArrayList<>();
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Path store = dir.resolve("localhost.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "localhost", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertEquals(0, keytool.waitFor());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        server.createContext("/", ex -> {
            seen.add(ex.getRequestURI().getPath());
            byte[] body = "secure hello".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void fetchesOverTlsWhenTheAddressIsAllowed() throws Exception {
        seen.clear();
        try (HttpGuard guard = HttpGuard.builder().allowPrivateAddresses(true).sslContext(trusting).build()) {
            GuardedResponse r = guard.get("https://localhost:" + port + "/tls");
            assertEquals(200, r.status());
            assertEquals("secure hello", new String(r.body(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("/tls"), seen);
    }

    @Test
    void refusesTheConnectedAddressWhenTheNameRebinds() {
        seen.clear();
        // the guard's own lookup sees a public address; the connection then lands on 127.0.0.1
        // (the JVM's lookup of localhost): the socket check refuses before any TLS byte is sent
        InetAddress publicLooking = InetAddress.getLoopbackAddress();
        try {
            publicLooking = InetAddress.getByAddress("localhost", new byte[] {8, 8, 8, 8});
        } catch (Exception impossible) {
            throw new IllegalStateException(impossible);
        }
        InetAddress[] first = {publicLooking};
        try (HttpGuard guard = HttpGuard.builder().sslContext(trusting).resolver(host -> first).build()) {
            GuardException e = assertThrows(GuardException.class, () -> guard.get("https://localhost:" + port + "/rebound"));
            assertEquals(GuardException.Reason.BLOCKED_ADDRESS, e.reason());
            assertTrue(e.getMessage().matches("blocked non-public address (127\\.0\\.0\\.1|::1) for localhost"), e.getMessage());
        }
        assertEquals(List.of(), seen, "the server never got a request");
    }
}
