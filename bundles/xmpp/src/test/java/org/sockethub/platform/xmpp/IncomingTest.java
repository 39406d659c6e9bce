package org.sockethub.platform.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jivesoftware.smack.packet.Stanza;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The incoming-stanza test vectors of spec/platforms.md §4.6, and the other handler tests listed there. */
class IncomingTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static Schema responses;

    @BeforeAll
    static void setUp() throws Exception {
        XmppConnections.init();
        JsonNode schema = JSON.readTree(IncomingTest.class.getClassLoader().getResource("schemas/responses.json"));
        responses = SchemaRegistry.withDefaultDialect(Dialects.getDraft7()).getSchema(SchemaLocation.of("urn:responses"), schema);
    }

    static List<ObjectNode> translate(String xml, Set<String> rooms) throws Exception {
        Stanza stanza = Incoming.parse(xml);
        return Incoming.translate(stanza, rooms, "me@localhost");
    }

    static ObjectNode one(String xml) throws Exception {
        return one(xml, Set.of());
    }

    static ObjectNode one(String xml, Set<String> rooms) throws Exception {
        List<ObjectNode> out = translate(xml, rooms);
        assertEquals(1, out.size(), "one activity for " + xml + ": " + out);
        return out.get(0);
    }

    static void assertValid(ObjectNode activity) {
        if (activity.has("error")) {
            return; // errors are exempt from the responses schema
        }
        List<Error> errors = responses.validate(activity);
        assertTrue(errors.isEmpty(), "responses schema: " + errors + " for " + activity);
    }

    static Stream<Arguments> vectors() {
        return Stream.of(
            Arguments.of("1 presence error remote-server-not-found",
                "<presence type='error' to='hermes@5apps.com/hyperchannel' from='xmpp.5apps.com/#watercooler' xmlns='jabber:client'>"
                    + "<error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
                "{\"type\":\"join\",\"actor\":{\"id\":\"xmpp.5apps.com/#watercooler\",\"type\":\"room\"},"
                    + "\"error\":\"remote server not found xmpp.5apps.com/#watercooler\","
                    + "\"target\":{\"id\":\"hermes@5apps.com/hyperchannel\",\"type\":\"person\"}}"),
            Arguments.of("3 presence, nothing in it",
                "<presence to='foo@bar.org' from='baz@bag.org' xmlns='jabber:client'></presence>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"baz@bag.org\",\"type\":\"person\"},\"target\":{\"id\":\"foo@bar.org\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"presence\",\"presence\":\"online\"}}"),
            Arguments.of("4 presence with a status (and the non-RFC show 'online')",
                "<presence to='foo@bar.org' from='baz@bag.org' xmlns='jabber:client'><show>online</show> <status>away message!</status></presence>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"baz@bag.org\",\"type\":\"person\"},\"target\":{\"id\":\"foo@bar.org\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"presence\",\"content\":\"away message!\",\"presence\":\"online\"}}"),
            Arguments.of("5 unavailable with a MUC x",
                "<presence to='foo@bar.org' from='baz@bag.org/yarg' type='unavailable' xmlns='jabber:client'>"
                    + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"baz@bag.org/yarg\",\"type\":\"person\"},\"target\":{\"id\":\"foo@bar.org\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"presence\",\"presence\":\"offline\"}}"),
            Arguments.of("6 available with show away",
                "<presence to='foo@bar.org' from='baz@bag.org' type='available' xmlns='jabber:client'><show>away</show></presence>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"baz@bag.org\",\"type\":\"person\"},\"target\":{\"id\":\"foo@bar.org\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"presence\",\"presence\":\"away\"}}"),
            Arguments.of("7 attendance",
                "<iq from='PartyChatRoom@jabber.net' to='ernie@jabber.net/Home' type='result' id='attendance_1' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#items'>"
                    + "<item jid='PartyChatRoom@jabber.net/ernie' name='ernie'/><item jid='PartyChatRoom@jabber.net/bert' name='bert'/>"
                    + "<item jid='PartyChatRoom@jabber.net/oscar' name='oscar'/><item jid='PartyChatRoom@jabber.net/big_bird' name='big_bird'/>"
                    + "<item jid='PartyChatRoom@jabber.net/elmo' name='elmo'/></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"PartyChatRoom@jabber.net\",\"type\":\"room\"},\"target\":{\"id\":\"ernie@jabber.net/Home\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"attendance\",\"members\":[\"ernie\",\"bert\",\"oscar\",\"big_bird\",\"elmo\"]}}"),
            Arguments.of("8 chat message",
                "<message from='radical@example.org/thinkpad' to='user@jabber.org' type='chat' id='purple9840c15f' xmlns='jabber:client'>"
                    + "<active xmlns='http://jabber.org/protocol/chatstates'/><stanza-id xmlns='urn:xmpp:sid:0' id='123456789' by='user@jabber.org'/>"
                    + "<body>ohai</body></message>",
                "{\"type\":\"send\",\"actor\":{\"type\":\"person\",\"id\":\"radical@example.org/thinkpad\"},\"target\":{\"type\":\"person\",\"id\":\"user@jabber.org\"},"
                    + "\"object\":{\"type\":\"message\",\"content\":\"ohai\",\"id\":\"purple9840c15f\",\"xmpp:stanza-id\":\"123456789\"}}"),
            Arguments.of("9 delayed chat message",
                "<message from='radical@example.org/thinkpad' to='user@jabber.org' type='chat' id='purple9840c15f' xmlns='jabber:client'>"
                    + "<active xmlns='http://jabber.org/protocol/chatstates'/><stanza-id xmlns='urn:xmpp:sid:0' id='123456789' by='user@jabber.org'/>"
                    + "<delay xmlns='urn:xmpp:delay' from='example.org' stamp='2021-04-17T18:50:25Z'/><body>ohai</body></message>",
                "{\"type\":\"send\",\"actor\":{\"type\":\"person\",\"id\":\"radical@example.org/thinkpad\"},\"target\":{\"type\":\"person\",\"id\":\"user@jabber.org\"},"
                    + "\"object\":{\"type\":\"message\",\"content\":\"ohai\",\"id\":\"purple9840c15f\",\"xmpp:stanza-id\":\"123456789\"},"
                    + "\"published\":\"2021-04-17T18:50:25.000Z\"}"),
            Arguments.of("10 correction",
                "<message from='radical@example.org/thinkpad' to='user@jabber.org' type='chat' id='purple9840c15f' xmlns='jabber:client'>"
                    + "<stanza-id xmlns='urn:xmpp:sid:0' id='123456789' by='user@jabber.org'/>"
                    + "<replace xmlns='urn:xmpp:message-correct:0' id='purple1234c15f'/><body>oh hey</body></message>",
                "{\"type\":\"send\",\"actor\":{\"type\":\"person\",\"id\":\"radical@example.org/thinkpad\"},\"target\":{\"type\":\"person\",\"id\":\"user@jabber.org\"},"
                    + "\"object\":{\"type\":\"message\",\"content\":\"oh hey\",\"id\":\"purple9840c15f\",\"xmpp:stanza-id\":\"123456789\","
                    + "\"xmpp:replace\":{\"id\":\"purple1234c15f\"}}}"),
            Arguments.of("11 groupchat",
                "<message from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' type='groupchat' id='hysf1v37' xmlns='jabber:client'>"
                    + "<stanza-id xmlns='urn:xmpp:sid:0' id='123456789' by='coven@chat.shakespeare.lit'/><body>Harpier cries: 'tis time, 'tis time.</body></message>",
                "{\"type\":\"send\",\"actor\":{\"type\":\"person\",\"id\":\"coven@chat.shakespeare.lit/thirdwitch\",\"name\":\"thirdwitch\"},"
                    + "\"target\":{\"type\":\"room\",\"id\":\"coven@chat.shakespeare.lit\"},"
                    + "\"object\":{\"type\":\"message\",\"content\":\"Harpier cries: 'tis time, 'tis time.\",\"id\":\"hysf1v37\",\"xmpp:stanza-id\":\"123456789\"}}"),
            Arguments.of("13a room info with a named identity",
                "<iq from='kosmos-dev@kosmos.chat' to='me@localhost/x' type='result' id='room_info_1' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='Kosmos Development Room'/>"
                    + "<feature var='http://jabber.org/protocol/muc'/><feature var='muc_public'/><feature var='muc_open'/></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"kosmos-dev@kosmos.chat\",\"type\":\"room\",\"name\":\"Kosmos Development Room\"},"
                    + "\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},\"object\":{\"type\":\"room-info\","
                    + "\"features\":[\"http://jabber.org/protocol/muc\",\"muc_public\",\"muc_open\"],"
                    + "\"identities\":[{\"category\":\"conference\",\"type\":\"text\",\"name\":\"Kosmos Development Room\"}]}}"),
            Arguments.of("13b room info without identity",
                "<iq from='r@conf.example' to='me@localhost/x' type='result' id='room_info_2' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='http://jabber.org/protocol/muc'/></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"r@conf.example\",\"type\":\"room\",\"name\":\"r@conf.example\"},"
                    + "\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},\"object\":{\"type\":\"room-info\",\"features\":[\"http://jabber.org/protocol/muc\"]}}"),
            Arguments.of("13c identity without name, no features",
                "<iq from='r@conf.example' to='me@localhost/x' type='result' id='room_info_3' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text'/></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"r@conf.example\",\"type\":\"room\",\"name\":\"r@conf.example\"},"
                    + "\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},\"object\":{\"type\":\"room-info\",\"features\":[],"
                    + "\"identities\":[{\"category\":\"conference\",\"type\":\"text\"}]}}"),
            Arguments.of("13d two identities",
                "<iq from='r@conf.example' to='me@localhost/x' type='result' id='room_info_4' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='First'/>"
                    + "<identity category='directory' type='chatroom' name='Second'/></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"r@conf.example\",\"type\":\"room\",\"name\":\"First\"},"
                    + "\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},\"object\":{\"type\":\"room-info\",\"features\":[],"
                    + "\"identities\":[{\"category\":\"conference\",\"type\":\"text\",\"name\":\"First\"},"
                    + "{\"category\":\"directory\",\"type\":\"chatroom\",\"name\":\"Second\"}]}}"),
            Arguments.of("13e room info with a full data form",
                "<iq from='kosmos@kosmos.chat' to='me@localhost/x' type='result' id='room_info_5' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='Kosmos'/>"
                    + "<feature var='http://jabber.org/protocol/muc'/>"
                    + "<x xmlns='jabber:x:data' type='result'>"
                    + "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>"
                    + "<field var='muc#roominfo_avatarhash' type='text-multi' label='Avatar hash'><value>a1</value><value>b2</value></field>"
                    + "<field var='muc#roominfo_occupants' type='text-single' label='Number of occupants'><value>13</value></field>"
                    + "<field var='muc#roominfo_description' type='text-single' label='Description'/>"
                    + "<field var='muc#roominfo_lang' type='text-single' label='Language of discussion'><value>en</value></field>"
                    + "<field var='muc#roomconfig_roomname' type='text-single' label='Title'><value>Kosmos</value></field>"
                    + "<field var='muc#roomconfig_changesubject' type='boolean' label='Occupants may change the subject'><value>0</value></field>"
                    + "<field var='muc#roomconfig_allowinvites' type='boolean' label='Allow invites'/>"
                    + "<field var='muc#roomconfig_allow_query_users' type='boolean'><value>true</value></field>"
                    + "<field var='muc#roomconfig_allowpm' type='list-single' label='Allow PMs'><value>anyone</value>"
                    + "<option label='Everyone'><value>anyone</value></option><option label='Moderators'><value>moderators</value></option>"
                    + "<option label='Participants'><value>participants</value></option><option><value>none</value></option></field>"
                    + "<field var='some_custom_key' type='text-single'><value>x</value></field>"
                    + "<field var='flatkey'><value>7</value></field>"
                    + "</x></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"kosmos@kosmos.chat\",\"type\":\"room\",\"name\":\"Kosmos\"},"
                    + "\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},\"object\":{\"type\":\"room-info\","
                    + "\"features\":[\"http://jabber.org/protocol/muc\"],\"identities\":[{\"category\":\"conference\",\"type\":\"text\",\"name\":\"Kosmos\"}],"
                    + "\"roominfo\":{"
                    + "\"avatarhash\":{\"type\":\"text-multi\",\"label\":\"Avatar hash\",\"value\":[\"a1\",\"b2\"]},"
                    + "\"occupants\":{\"type\":\"text-single\",\"label\":\"Number of occupants\",\"value\":13},"
                    + "\"description\":{\"type\":\"text-single\",\"label\":\"Description\",\"value\":null},"
                    + "\"lang\":{\"type\":\"text-single\",\"label\":\"Language of discussion\",\"value\":\"en\"}},"
                    + "\"roomconfig\":{"
                    + "\"roomname\":{\"type\":\"text-single\",\"label\":\"Title\",\"value\":\"Kosmos\"},"
                    + "\"changesubject\":{\"type\":\"boolean\",\"label\":\"Occupants may change the subject\",\"value\":false},"
                    + "\"allowinvites\":{\"type\":\"boolean\",\"label\":\"Allow invites\",\"value\":false},"
                    + "\"allow_query_users\":{\"type\":\"boolean\",\"value\":true},"
                    + "\"allowpm\":{\"type\":\"list-single\",\"label\":\"Allow PMs\",\"value\":\"anyone\",\"options\":["
                    + "{\"label\":\"Everyone\",\"value\":\"anyone\"},{\"label\":\"Moderators\",\"value\":\"moderators\"},"
                    + "{\"label\":\"Participants\",\"value\":\"participants\"},{\"label\":\"none\",\"value\":\"none\"}]}},"
                    + "\"custom\":{\"some_custom_key\":{\"type\":\"text-single\",\"value\":\"x\"},\"flatkey\":{\"type\":\"text-single\",\"value\":7}}}}"),
            Arguments.of("attendance_ id with a disco#info payload is still attendance",
                "<iq from='r@conf.example' to='me@localhost/x' type='result' id='attendance_999' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text'/></query></iq>",
                "{\"type\":\"query\",\"actor\":{\"id\":\"r@conf.example\",\"type\":\"room\"},\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"attendance\",\"members\":[]}}"),
            Arguments.of("subscribe presence becomes request-friend (Java, beyond upstream)",
                "<presence from='bob@localhost' to='me@localhost' type='subscribe' xmlns='jabber:client'/>",
                "{\"type\":\"request-friend\",\"actor\":{\"id\":\"bob@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"me@localhost\",\"type\":\"person\"}}"),
            Arguments.of("MUC presence without to: actor name from the resource, no target",
                "<presence from='room@conf.example/nick' xmlns='jabber:client'/>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"room@conf.example/nick\",\"type\":\"person\",\"name\":\"nick\"},"
                    + "\"object\":{\"type\":\"presence\",\"presence\":\"online\"}}"),
            Arguments.of("composing chat state (Java, beyond upstream)",
                "<message from='bob@localhost/phone' to='me@localhost/x' type='chat' xmlns='jabber:client'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"bob@localhost/phone\",\"type\":\"person\"},\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"chat-state\",\"state\":\"composing\"}}"),
            Arguments.of("paused chat state (Java, beyond upstream)",
                "<message from='bob@localhost/phone' to='me@localhost/x' type='chat' xmlns='jabber:client'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>",
                "{\"type\":\"update\",\"actor\":{\"id\":\"bob@localhost/phone\",\"type\":\"person\"},\"target\":{\"id\":\"me@localhost/x\",\"type\":\"person\"},"
                    + "\"object\":{\"type\":\"chat-state\",\"state\":\"paused\"}}"),
            Arguments.of("roster result (Java: no stray fields, the account as target)",
                "<iq to='me@localhost/x' type='result' id='r1' xmlns='jabber:client'><query xmlns='jabber:iq:roster'>"
                    + "<item jid='both@localhost' name='Both' subscription='both'/><item jid='asked@localhost' subscription='none' ask='subscribe'/>"
                    + "<item jid='from@localhost' subscription='from'/></query></iq>",
                null)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void vector(String name, String xml, String expected) throws Exception {
        if (expected == null) {
            return; // covered by rosterItems()
        }
        ObjectNode activity = one(xml);
        assertEquals(JSON.readTree(expected), activity);
        assertValid(activity);
    }

    @Test
    void rosterItems() throws Exception {
        List<ObjectNode> out = translate((String) vectors().reduce((a, b) -> b).orElseThrow().get()[1], Set.of());
        assertEquals(JSON.readTree("["
                + "{\"type\":\"update\",\"actor\":{\"id\":\"both@localhost\",\"type\":\"person\",\"name\":\"Both\"},\"target\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"object\":{\"type\":\"presence\",\"presence\":\"offline\"}},"
                + "{\"type\":\"update\",\"actor\":{\"id\":\"asked@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"object\":{\"type\":\"presence\",\"presence\":\"notauthorized\"}},"
                + "{\"type\":\"update\",\"actor\":{\"id\":\"from@localhost\",\"type\":\"person\"},\"target\":{\"id\":\"me@localhost\",\"type\":\"person\"},\"object\":{\"type\":\"presence\",\"presence\":\"notauthorized\"}}]"),
                JSON.valueToTree(out));
        out.forEach(IncomingTest::assertValid);
    }

    @Test
    void rosterPushesReportOnlyLostOrPendingSubscriptions() throws Exception {
        List<ObjectNode> out = translate("<iq to='me@localhost/x' type='set' id='push1' xmlns='jabber:client'><query xmlns='jabber:iq:roster'>"
                + "<item jid='both@localhost' subscription='both'/><item jid='gone@localhost' subscription='remove'/>"
                + "<item jid='none@localhost' subscription='none'/></query></iq>", Set.of());
        assertEquals(1, out.size(), out.toString());
        assertEquals("none@localhost", out.get(0).path("actor").path("id").asText());
        assertEquals("notauthorized", out.get(0).path("object").path("presence").asText());
    }

    @Test
    void presenceErrorIsAnUpdateWithTheErrorElement() throws Exception {
        ObjectNode activity = one("<presence type='error' to='hermes@5apps.com/hyperchannel' from='xmpp.5apps.com/#watercooler' xmlns='jabber:client'>"
                + "<error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                + "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Communication with remote domains is not enabled</text></error></presence>");
        assertEquals("update", activity.path("type").asText());
        assertEquals("{\"id\":\"xmpp.5apps.com/#watercooler\",\"type\":\"room\"}", activity.get("actor").toString());
        assertEquals("{\"id\":\"hermes@5apps.com/hyperchannel\",\"type\":\"person\"}", activity.get("target").toString());
        String error = activity.path("error").asText();
        assertTrue(error.startsWith("<error") && error.contains("type='cancel'") && error.contains("<not-allowed")
                && error.contains("Communication with remote domains is not enabled") && error.endsWith("</error>"), error);
    }

    @Test
    void jidMalformedFromARoom() throws Exception {
        ObjectNode activity = one("<presence from='coven@chat.shakespeare.lit' to='hag66@shakespeare.lit/pda' id='273hs51g' type='error' xmlns='jabber:client'>"
                + "<error by='coven@chat.shakespeare.lit' type='modify'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
        assertEquals("update", activity.path("type").asText());
        assertTrue(activity.path("error").asText().contains("<jid-malformed"), activity.toString());
    }

    @Test
    void roomInfoErrors() throws Exception {
        ObjectNode error = one("<iq from='r@conf.example' to='me@localhost/x' type='error' id='room_info_err1' xmlns='jabber:client'>"
                + "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        assertEquals("query", error.path("type").asText());
        assertEquals("{\"type\":\"room-info\"}", error.get("object").toString());
        assertTrue(error.path("error").asText().contains("item-not-found"));
        ObjectNode wrongNamespace = one("<iq from='r@conf.example' to='me@localhost/x' type='result' id='room_info_9' xmlns='jabber:client'>"
                + "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        assertEquals("query", wrongNamespace.path("type").asText());
        assertEquals("room-info", wrongNamespace.path("object").path("type").asText());
        assertTrue(wrongNamespace.path("error").asText().contains("disco#items"));
    }

    @Test
    void otherIdsAreNotAttendance() throws Exception {
        for (String id : List.of("muc_id", "room_members_1")) {
            assertEquals(List.of(), translate("<iq from='r@conf.example' to='me@localhost/x' type='result' id='" + id + "' xmlns='jabber:client'>"
                    + "<query xmlns='http://jabber.org/protocol/disco#items'><item jid='r@conf.example/a' name='a'/></query></iq>", Set.of()));
        }
    }

    @Test
    void presenceFromAKnownRoomHasActorTypeRoom() throws Exception {
        String withResource = "<presence from='room@conf.example/nick' to='me@localhost/x' xmlns='jabber:client'/>";
        String bare = "<presence from='room@conf.example' to='me@localhost/x' xmlns='jabber:client'/>";
        assertEquals("room", one(withResource, Set.of("room@conf.example")).path("actor").path("type").asText());
        assertEquals("room", one(bare, Set.of("room@conf.example")).path("actor").path("type").asText());
        assertEquals("person", one(withResource, Set.of()).path("actor").path("type").asText());
        assertEquals("person", one(withResource, Set.of("other@conf.example")).path("actor").path("type").asText());
    }

    @Test
    void messagesWithoutBodyAreDropped() throws Exception {
        assertEquals(List.of(), translate("<message from='room@conf.example' to='me@localhost/x' type='groupchat' xmlns='jabber:client'><subject>topic</subject></message>", Set.of()));
        assertEquals(List.of(), translate("<message from='bob@localhost/x' to='me@localhost/x' xmlns='jabber:client'><received xmlns='urn:xmpp:receipts' id='1'/></message>", Set.of()));
    }

    @Test
    void normalAndHeadlineMessagesAreDirect() throws Exception {
        for (String type : List.of("normal", "headline")) {
            ObjectNode activity = one("<message from='bob@localhost/x' to='me@localhost/y' type='" + type + "' xmlns='jabber:client'><body>hi</body></message>");
            assertEquals(JSON.readTree("{\"type\":\"person\",\"id\":\"me@localhost/y\"}"), activity.get("target"));
        }
        ObjectNode noType = one("<message from='bob@localhost/x' to='me@localhost/y' xmlns='jabber:client'><body>hi</body></message>");
        assertEquals("send", noType.path("type").asText());
    }
}
