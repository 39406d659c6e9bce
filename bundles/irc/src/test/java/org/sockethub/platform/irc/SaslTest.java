package org.sockethub.platform.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SASL payloads and their AUTHENTICATE chunks (spec §3.3); OAUTHBEARER is checked here only. */
class SaslTest {

    private static String decode(List<String> chunks) {
        String b64 = String.join("", chunks.stream().filter(c -> !c.equals("+")).toList());
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void plainPayload() {
        assertEquals("jimmy\0jimmy\0passw0rd", Sasl.payload("PLAIN", "jimmy", "passw0rd"));
        assertEquals(List.of("amltbXkAamltbXkAcGFzc3cwcmQ="), Sasl.chunks(Sasl.payload("PLAIN", "jimmy", "passw0rd")));
    }

    @Test
    void oauthBearerPayload() {
        String payload = Sasl.payload("OAUTHBEARER", "oauthuser", "integration-test-token");
        assertEquals("n,,\u0001auth=Bearer integration-test-token\u0001\u0001", payload);
        assertEquals(payload, decode(Sasl.chunks(payload)));
    }

    @Test
    void longPayloadsAreSentIn400ByteChunks() {
        String token = "t".repeat(700);
        List<String> chunks = Sasl.chunks(Sasl.payload("OAUTHBEARER", "u", token));
        assertEquals(400, chunks.get(0).length());
        assertEquals(400, chunks.get(1).length());
        assertEquals(3, chunks.size());
        assertEquals(Sasl.payload("OAUTHBEARER", "u", token), decode(chunks));
    }

    @Test
    void aPayloadOfExactly400BytesEndsWithPlus() {
        String clear = "x".repeat(300); // 300 bytes -> 400 base64 characters
        List<String> chunks = Sasl.chunks(clear);
        assertEquals(2, chunks.size());
        assertEquals(400, chunks.get(0).length());
        assertEquals("+", chunks.get(1));
    }
}
