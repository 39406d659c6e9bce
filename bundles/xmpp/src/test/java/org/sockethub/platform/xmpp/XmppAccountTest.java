package org.sockethub.platform.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Credentials → service (spec/platforms.md §4.2 vectors). */
class XmppAccountTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static XmppAccount of(String extra) throws Exception {
        return XmppAccount.of(JSON.readTree("{\"type\":\"credentials\",\"userAddress\":\"barney@dinosaur.com.au\",\"password\":\"bar\",\"resource\":\"Home\"" + extra + "}"));
    }

    @Test
    void plain() throws Exception {
        XmppAccount a = of("");
        assertEquals("dinosaur.com.au", a.service());
        assertEquals("barney", a.username());
        assertEquals("bar", a.password());
        assertEquals("Home", a.resource());
        assertEquals("dinosaur.com.au", a.domain());
        assertEquals(null, a.host());
    }

    @Test
    void serverReplacesTheServiceButNotTheDomain() throws Exception {
        XmppAccount a = of(",\"server\":\"foo\"");
        assertEquals("foo", a.service());
        assertEquals("dinosaur.com.au", a.domain());
        assertEquals("foo", a.host());
        assertEquals(5222, a.port());
    }

    @Test
    void portIsAppended() throws Exception {
        XmppAccount a = of(",\"port\":123");
        assertEquals("dinosaur.com.au:123", a.service());
        assertEquals("dinosaur.com.au", a.host());
        assertEquals(123, a.port());
    }

    @Test
    void uris() throws Exception {
        XmppAccount plain = of(",\"server\":\"xmpp://127.0.0.1:5333\"");
        assertEquals("127.0.0.1", plain.host());
        assertEquals(5333, plain.port());
        assertEquals("dinosaur.com.au", plain.domain());
        XmppAccount tls = of(",\"server\":\"xmpps://chat.example\"");
        assertTrue(tls.directTls());
        assertEquals(5223, tls.port());
        XmppAccount hostPort = of(",\"server\":\"127.0.0.1:6000\"");
        assertEquals("127.0.0.1", hostPort.host());
        assertEquals(6000, hostPort.port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"barney", "", "null", "missing"})
    void notAJid(String address) throws Exception {
        ObjectNode object = (ObjectNode) JSON.readTree("{\"type\":\"credentials\",\"password\":\"bar\",\"resource\":\"Home\"}");
        if (address.equals("null")) {
            object.putNull("userAddress");
        } else if (!address.equals("missing")) {
            object.put("userAddress", address);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XmppAccount.of(object));
        assertTrue(e.getMessage().contains("xmpp credentials.object.userAddress must be a JID in the form 'user@server'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"@dinosaur.com.au", "barney@", "@"})
    void missingPart(String address) throws Exception {
        ObjectNode object = (ObjectNode) JSON.readTree("{\"type\":\"credentials\",\"password\":\"bar\",\"resource\":\"Home\"}");
        object.put("userAddress", address);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XmppAccount.of(object));
        assertTrue(e.getMessage().contains("is missing the username or server portion"));
    }
}
