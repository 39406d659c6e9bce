package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class JobCodecTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void sealedJobRoundTripsAndHidesItsContent() throws Exception {
        JobCodec codec = new JobCodec(new JobCipher(JobCipher.newKey()));
        ObjectNode activity = (ObjectNode) json.readTree("{\"type\":\"echo\",\"object\":{\"content\":\"secret words\"}}");
        String sealed = codec.seal(JobRequest.of("dummy-1", "s1", "dummy", activity, null));
        assertFalse(sealed.contains("secret"));
        JobRequest back = codec.openRequest(sealed);
        assertEquals("dummy-1", back.id());
        assertEquals(activity, back.activity());
        assertNull(back.credentials());
    }

    @Test
    void anyTextRoundTrips() throws Exception {
        JobCodec codec = new JobCodec(new JobCipher(JobCipher.newKey()));
        // non-ASCII, a surrogate pair, control characters, and lone surrogates (JSON allows their escapes)
        ObjectNode activity = (ObjectNode) json.readTree("{\"type\":\"send\",\"object\":{\"content\":"
                + "\"é 日本語 \\ud83d\\ude00 \\u0000\\u001f \\ud800 x \\udfff \\\"q\\\" \\\\\"}}");
        String content = activity.path("object").path("content").asText();
        assertEquals("é 日本語 \uD83D\uDE00 \u0000\u001F \uD800 x \uDFFF \"q\" \\", content);
        JobRequest back = codec.openRequest(codec.seal(JobRequest.of("dummy-3", "s1", "dummy", activity, null)));
        assertEquals(activity, back.activity());
        JobEvent result = codec.openEvent(codec.seal(JobEvent.result("dummy-3", activity)));
        assertEquals(content, result.activity().path("object").path("content").asText());
    }

    @Test
    void eventsRoundTrip() {
        JobCodec codec = new JobCodec(new JobCipher(JobCipher.newKey()));
        JobEvent back = codec.openEvent(codec.seal(JobEvent.failure("dummy-2", "Error: boom")));
        assertEquals(JobEvent.Kind.FAILURE, back.kind());
        assertEquals("Error: boom", back.error());
    }

    @Test
    void refusesWhatAnotherKeySealed() {
        JobCodec mine = new JobCodec(new JobCipher(JobCipher.newKey()));
        JobCodec theirs = new JobCodec(new JobCipher(JobCipher.newKey()));
        String sealed = theirs.seal(JobEvent.result("x", null));
        assertThrows(IllegalArgumentException.class, () -> mine.openEvent(sealed));
    }
}
