package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The packet rules are socket.io-parser 4's (the reference server's). */
class SocketIoPacketTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsAnEventWithItsAckId() {
        SocketIoPacket p = SocketIoPacket.decode("27[\"message\",{\"type\":\"echo\",\"n\":1.5,\"big\":12345678901234567890}]");
        assertEquals(SocketIoPacket.EVENT, p.type());
        assertEquals("/", p.namespace());
        assertEquals(7, p.id());
        assertEquals("message", p.eventName());
        assertEquals("{\"type\":\"echo\",\"n\":1.5,\"big\":12345678901234567890}", p.data().get(1).toString());
    }

    @Test
    void readsConnectDisconnectNamespacesAndPacketsWithoutData() {
        SocketIoPacket connect = SocketIoPacket.decode("0");
        assertEquals(SocketIoPacket.CONNECT, connect.type());
        assertNull(connect.data());
        assertEquals("{\"token\":\"x\"}", SocketIoPacket.decode("0{\"token\":\"x\"}").data().toString());
        SocketIoPacket admin = SocketIoPacket.decode("0/admin,{}");
        assertEquals("/admin", admin.namespace());
        assertEquals("/admin", SocketIoPacket.decode("1/admin").namespace());
        assertEquals(SocketIoPacket.DISCONNECT, SocketIoPacket.decode("1").type());
        SocketIoPacket event = SocketIoPacket.decode("2/chat,12[\"a\"]");
        assertEquals("/chat", event.namespace());
        assertEquals(12, event.id());
        assertEquals(-1, SocketIoPacket.decode("2[\"a\"]").id());
        assertEquals("1", SocketIoPacket.decode("2[1]").eventName(), "a number names an event, as in JavaScript");
        assertEquals(SocketIoPacket.ACK, SocketIoPacket.decode("34[]").type());
        assertEquals(SocketIoPacket.CONNECT_ERROR, SocketIoPacket.decode("4\"no\"").type());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "7", "x", "9[\"a\"]", // unknown types
        "2{\"a\":1}", "2[]", "2[null]", "2[{}]", "2[\"disconnect\"]", "2[\"connect\",1]", "2[\"newListener\"]", // not an event
        "2[\"a\"", "2[\"a\"]]", "2[\"a\"] x", "2 ", "2null", // not JSON, or more than one value
        "0[1]", "0\"x\"", "1{}", "3{}", "4[1]", // the wrong JSON for the type
        "5[\"a\"]", "5x-[\"a\"]", "5-[\"a\"]", "51234567890-[\"a\"]", // illegal attachments
        "21234567890123456[\"a\"]", // an ack id past JavaScript's exact integers
    })
    void refusesWhatSocketIoParserRefuses(String text) {
        assertThrows(SocketIoPacket.DecodingException.class, () -> SocketIoPacket.decode(text));
    }

    @Test
    void refusesNestingPastJacksonsLimitAsAParseError() {
        String deep = "[".repeat(2000) + "]".repeat(2000);
        assertThrows(SocketIoPacket.DecodingException.class, () -> SocketIoPacket.decode("2[\"message\"," + deep + "]"));
    }

    @Test
    void putsBinaryAttachmentsInPlaceAsNodeBuffers() {
        SocketIoPacket p = SocketIoPacket.decode("52-3[\"message\",{\"a\":{\"_placeholder\":true,\"num\":1},\"b\":[{\"_placeholder\":true,\"num\":0}]}]");
        assertEquals(SocketIoPacket.BINARY_EVENT, p.type());
        assertEquals(2, p.attachments());
        assertEquals(3, p.id());
        SocketIoPacket whole = p.withAttachments(List.of(new byte[] {1, (byte) 255}, new byte[] {7}));
        assertEquals(SocketIoPacket.EVENT, whole.type());
        assertEquals("[\"message\",{\"a\":{\"type\":\"Buffer\",\"data\":[7]},\"b\":[{\"type\":\"Buffer\",\"data\":[1,255]}]}]",
                whole.data().toString());
        SocketIoPacket bad = SocketIoPacket.decode("51-[\"message\",{\"_placeholder\":true,\"num\":1}]");
        assertThrows(SocketIoPacket.DecodingException.class, () -> bad.withAttachments(List.of(new byte[0])));
    }

    @Test
    void writesPacketsAsTheReferenceDoes() throws Exception {
        assertEquals("0{\"sid\":\"FfbHwU6nO0hVrGE_AAA2\"}", SocketIoPacket.connected("FfbHwU6nO0hVrGE_AAA2"));
        assertEquals("4/admin,{\"message\":\"Invalid namespace\"}", SocketIoPacket.invalidNamespace("/admin"));
        assertEquals("1", SocketIoPacket.disconnect());
        String activity = "{\"type\":\"echo\",\"actor\":{\"id\":\"dummy\"},\"n\":1,\"s\":\"\\\"quoted\\\" \\u0001 é\"}";
        assertEquals("38[" + activity + "]", SocketIoPacket.ack(8, JSON.readTree(activity)));
        assertEquals("2[\"message\"," + activity + "]", SocketIoPacket.event("message", JSON.readTree(activity)));
        assertEquals("2[\"a\\\"b\",null]", SocketIoPacket.event("a\"b", JSON.nullNode()));
    }
}
