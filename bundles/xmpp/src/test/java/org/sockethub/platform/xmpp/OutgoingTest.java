package org.sockethub.platform.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The verb → stanza vectors of spec/platforms.md §4.4. */
class OutgoingTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void init() {
        XmppConnections.init();
    }

    static JsonNode job(String json) throws Exception {
        return JSON.readTree(json);
    }

    static final String ACTOR = "\"actor\":{\"id\":\"testingham@jabber.net\",\"name\":\"testing ham\",\"type\":\"person\"}";

    @Test
    void joinUsesActorNameAsNickAndTheBareRoom() throws Exception {
        JsonNode join = job("{\"type\":\"join\"," + ACTOR + ",\"target\":{\"id\":\"partyroom@jabber.net\",\"type\":\"room\"}}");
        String xml = Outgoing.xml(Outgoing.join(Outgoing.roomBare(join), Outgoing.nick(join, "testingham")));
        assertTrue(xml.startsWith("<presence ") && xml.contains("to='partyroom@jabber.net/testing ham'")
                && xml.replace("></x>", "/>").contains("<x xmlns='http://jabber.org/protocol/muc'/>"), xml);
        assertFalse(xml.contains("type="), xml);
        JsonNode withResource = job("{\"type\":\"join\"," + ACTOR + ",\"target\":{\"id\":\"partyroom@jabber.net/someroom\",\"type\":\"room\"}}");
        assertEquals("partyroom@jabber.net", Outgoing.roomBare(withResource));
        JsonNode noName = job("{\"type\":\"join\",\"actor\":{\"id\":\"testingham@jabber.net\",\"type\":\"person\"},\"target\":{\"id\":\"partyroom@jabber.net\",\"type\":\"room\"}}");
        assertEquals("testingham", Outgoing.nick(noName, "testingham"));
    }

    @Test
    void leaveIsUnavailableToTheOccupantJid() {
        String xml = Outgoing.xml(Outgoing.leave("partyroom@jabber.net", "testing ham"));
        assertTrue(xml.contains("to='partyroom@jabber.net/testing ham'") && xml.contains("type='unavailable'"), xml);
    }

    @Test
    void chatSend() throws Exception {
        String xml = Outgoing.xml(Outgoing.send(job("{\"type\":\"send\"," + ACTOR + ",\"target\":{\"id\":\"mrfoobar@jabber.net\",\"type\":\"person\"},"
                + "\"object\":{\"type\":\"message\",\"id\":\"hc-1234abcd\",\"content\":\"hello\"}}")));
        assertTrue(xml.contains("to='mrfoobar@jabber.net'") && xml.contains("id='hc-1234abcd'") && xml.contains("type='chat'")
                && xml.contains("<body>hello</body>"), xml);
    }

    @Test
    void roomSendAndCorrection() throws Exception {
        String xml = Outgoing.xml(Outgoing.send(job("{\"type\":\"send\"," + ACTOR + ",\"target\":{\"id\":\"partyroom@jabber.net/ms tut\",\"type\":\"room\"},"
                + "\"object\":{\"type\":\"message\",\"id\":\"hc-1234abcd\",\"content\":\"hello\",\"xmpp:replace\":{\"id\":\"hc-234bcde\"}}}")));
        assertTrue(xml.contains("to='partyroom@jabber.net/ms tut'") && xml.contains("type='groupchat'")
                && xml.contains("<replace xmlns='urn:xmpp:message-correct:0' id='hc-234bcde'/>"), xml);
    }

    @Test
    void presenceUpdates() throws Exception {
        String online = Outgoing.xml(Outgoing.presence(job("{\"type\":\"presence\",\"presence\":\"online\",\"content\":\"ready to chat\"}")));
        assertEquals("<presence xmlns='jabber:client'><status>ready to chat</status></presence>", strip(online));
        String away = Outgoing.xml(Outgoing.presence(job("{\"type\":\"presence\",\"presence\":\"away\",\"content\":\"eating popcorn\"}")));
        assertEquals("<presence xmlns='jabber:client'><status>eating popcorn</status><show>away</show></presence>", strip(away));
        String offline = Outgoing.xml(Outgoing.presence(job("{\"type\":\"presence\",\"presence\":\"offline\",\"content\":\"\"}")));
        assertEquals("<presence xmlns='jabber:client' type='unavailable'></presence>", strip(offline).replace("/>", "></presence>"));
    }

    /** Smack adds a random stanza id; the vectors have none. */
    private static String strip(String xml) {
        return xml.replaceAll(" id='[^']*'", "");
    }

    @Test
    void subscriptions() {
        assertTrue(Outgoing.xml(Outgoing.subscription(Presence.Type.subscribe, "bob@localhost/phone")).contains("to='bob@localhost' type='subscribe'"));
        assertTrue(Outgoing.xml(Outgoing.subscription(Presence.Type.subscribed, "bob@localhost")).contains("type='subscribed'"));
    }

    @Test
    void queriesUseDistinctIds() {
        IQ a = Outgoing.query(false, "partyroom@jabber.net");
        IQ b = Outgoing.query(false, "partyroom@jabber.net");
        assertTrue(a.getStanzaId().startsWith("attendance_"));
        assertNotEquals(a.getStanzaId(), b.getStanzaId());
        assertTrue(Outgoing.xml(a).contains("<query xmlns='http://jabber.org/protocol/disco#items'"), Outgoing.xml(a));
        IQ info = Outgoing.query(true, "partyroom@jabber.net");
        assertTrue(info.getStanzaId().startsWith("room_info_"));
        assertTrue(Outgoing.xml(info).contains("http://jabber.org/protocol/disco#info") && Outgoing.xml(info).contains("type='get'"), Outgoing.xml(info));
    }
}
