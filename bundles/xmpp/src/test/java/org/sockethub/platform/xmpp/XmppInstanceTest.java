package org.sockethub.platform.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sockethub.api.testkit.RecordingContext;
import org.sockethub.api.testkit.RecordingJob;

/** The instance without a server: what fails before a connection, and how connect failures read. */
class XmppInstanceTest {

    static final ObjectMapper JSON = new ObjectMapper();

    final RecordingContext context = new RecordingContext("xmpp", "me@localhost",
            new XmppPlatform().descriptor().config().put("connectTimeoutMs", 2000));
    final List<ObjectNode> pushed = context.pushes();
    final XmppInstance xmpp = new XmppInstance(context);

    static String creds(String object) {
        return "{\"type\":\"credentials\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"object\":{\"type\":\"credentials\"," + object + "}}";
    }

    @Test
    void verbsWithoutAConnectionFailWithNotConnected() throws Exception {
        for (String verb : List.of(
                "{\"type\":\"join\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"r@conf.localhost\",\"type\":\"room\"}}",
                "{\"type\":\"send\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"you@localhost\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"content\":\"hi\"}}",
                "{\"type\":\"update\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"object\":{\"type\":\"presence\",\"presence\":\"away\"}}",
                "{\"type\":\"query\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"r@conf.localhost\",\"type\":\"room\"},\"object\":{\"type\":\"attendance\"}}",
                "{\"type\":\"request-friend\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"you@localhost\",\"type\":\"person\"}}")) {
            RecordingJob job = RecordingJob.of(verb, null);
            switch (job.type()) {
                case "join" -> xmpp.join(job);
                case "send" -> xmpp.send(job);
                case "update" -> xmpp.update(job);
                case "query" -> xmpp.query(job);
                default -> xmpp.requestFriend(job);
            }
            assertEquals("not connected", job.error(), verb);
            assertEquals(1, job.completions());
        }
        assertFalse(xmpp.isInitialized());
    }

    @Test
    void aUserAddressThatIsNotAJid() throws Exception {
        RecordingJob job = RecordingJob.of("{\"type\":\"connect\",\"actor\":{\"id\":\"me\",\"type\":\"person\"}}",
                creds("\"userAddress\":\"me\",\"password\":\"pw\",\"resource\":\"r\""));
        xmpp.connect(job);
        assertEquals("Error: xmpp credentials.object.userAddress must be a JID in the form 'user@server'", job.error());
    }

    @Test
    void aRefusedConnectionNamesTheService() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        RecordingJob job = RecordingJob.of("{\"type\":\"connect\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"}}",
                creds("\"userAddress\":\"me@localhost\",\"password\":\"pw\",\"resource\":\"r\",\"server\":\"xmpp://127.0.0.1:" + port + "\""));
        xmpp.connect(job);
        assertNotNull(job.error());
        assertTrue(job.error().startsWith("connection failed: ") && job.error().endsWith(". (service: xmpp://127.0.0.1:" + port + ")"), job.error());
        assertEquals(1, job.completions());
        assertFalse(xmpp.isInitialized());
        assertEquals(List.of(), pushed);
    }

    @Test
    void disconnectWithoutAConnectionCompletes() throws Exception {
        RecordingJob job = RecordingJob.of("{\"type\":\"disconnect\",\"actor\":{\"id\":\"me@localhost\",\"type\":\"person\"}}", null);
        xmpp.disconnect(job);
        assertEquals(null, job.error());
        assertEquals(1, job.completions());
    }

    @Test
    void streamErrorsThatEndASessionAreNotRetried() {
        assertTrue(XmppInstance.recoverable(new java.io.IOException("Connection reset")));
        assertTrue(XmppInstance.recoverable(streamError("system-shutdown")));
        assertFalse(XmppInstance.recoverable(streamError("conflict")));
        assertFalse(XmppInstance.recoverable(streamError("not-authorized")));
        assertEquals("conflict", XmppInstance.condition(streamError("conflict")));
        assertEquals("stream error conflict (Replaced by new connection)", XmppInstance.describe(streamError("conflict")));
    }

    static Exception streamError(String condition) {
        try {
            org.jivesoftware.smack.packet.StreamError error = org.jivesoftware.smack.util.PacketParserUtils.parseStreamError(
                    org.jivesoftware.smack.util.PacketParserUtils.getParserFor("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><" + condition
                            + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error>"));
            return new org.jivesoftware.smack.XMPPException.StreamErrorException(error);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
