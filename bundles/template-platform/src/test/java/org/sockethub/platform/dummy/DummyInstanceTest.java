package org.sockethub.platform.dummy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;

/** How to test a platform's verbs without a server: a context and a job that records its answer. */
class DummyInstanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A job that remembers how it was completed. */
    static final class RecordingJob implements Job {
        final ObjectNode activity;
        ObjectNode result;
        String error;

        RecordingJob(String json) throws Exception {
            activity = (ObjectNode) JSON.readTree(json);
        }

        @Override public ObjectNode activity() { return activity; }
        @Override public String type() { return activity.path("type").asText(); }
        @Override public Optional<ObjectNode> credentials() { return Optional.empty(); }
        @Override public void complete() { result = activity; }
        @Override public void complete(ObjectNode r) { result = r; }
        @Override public void fail(String message) { error = message; }
        @Override public void fail(Throwable cause) { error = "Error: " + cause.getMessage(); }
    }

    private final DummyInstance dummy = new DummyInstance(new PlatformContext() {
        @Override public String platformId() { return "dummy"; }
        @Override public String actorId() { return "dummy"; }
        @Override public ObjectNode config() { return new DummyPlatform().descriptor().config(); }
        @Override public Logger log() { return LoggerFactory.getLogger("dummy-test"); }
        @Override public void sendToClient(ObjectNode activity) { }
        @Override public CompletionStage<Void> updateActor(ObjectNode credentials) { return CompletableFuture.completedFuture(null); }
    });

    @Test
    void echoSwapsActorAndTarget() throws Exception {
        RecordingJob job = new RecordingJob("{\"type\":\"echo\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"content\":\"hi\"}}");
        dummy.echo(job);
        assertEquals(JSON.readTree("{\"type\":\"echo\",\"object\":{\"type\":\"message\",\"content\":\"hi\"},"
                + "\"target\":{\"id\":\"me\",\"type\":\"person\"},\"actor\":{\"id\":\"dummy\",\"type\":\"platform\"}}"), job.result);
    }

    @Test
    void greetUsesTheConfiguredGreeting() throws Exception {
        RecordingJob job = new RecordingJob("{\"type\":\"greet\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"content\":\"world\"}}");
        dummy.greet(job);
        assertEquals("Hello world", job.result.path("object").path("content").asText());
    }

    @Test
    void failFailsWithTheContent() throws Exception {
        RecordingJob job = new RecordingJob("{\"type\":\"fail\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"content\":\"boom\"}}");
        dummy.fail(job);
        assertEquals("Error: boom", job.error);
    }
}
