package org.sockethub.platform.dummy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.sockethub.api.testkit.RecordingContext;
import org.sockethub.api.testkit.RecordingJob;

/** How to test a platform's verbs without a server: the API test kit's context, and a job that records its answer. */
class DummyInstanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DummyInstance dummy = new DummyInstance(new RecordingContext("dummy", "dummy", new DummyPlatform().descriptor().config()));

    @Test
    void echoSwapsActorAndTarget() throws Exception {
        RecordingJob job = RecordingJob.of("{\"type\":\"echo\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"content\":\"hi\"}}");
        dummy.echo(job);
        assertEquals(JSON.readTree("{\"type\":\"echo\",\"object\":{\"type\":\"message\",\"content\":\"hi\"},"
                + "\"target\":{\"id\":\"me\",\"type\":\"person\"},\"actor\":{\"id\":\"dummy\",\"type\":\"platform\"}}"), job.result());
    }

    @Test
    void greetUsesTheConfiguredGreeting() throws Exception {
        RecordingJob job = RecordingJob.of("{\"type\":\"greet\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"content\":\"world\"}}");
        dummy.greet(job);
        assertEquals("Hello world", job.result().path("object").path("content").asText());
    }

    @Test
    void failFailsWithTheContent() throws Exception {
        RecordingJob job = RecordingJob.of("{\"type\":\"fail\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"content\":\"boom\"}}");
        dummy.fail(job);
        assertEquals("Error: boom", job.error());
    }
}
