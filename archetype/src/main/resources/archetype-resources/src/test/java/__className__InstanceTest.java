package ${package};

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

/** The verbs without a server: a context of our own and a job that records its answer. */
class ${className}InstanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    private final ${className}Instance instance = new ${className}Instance(new PlatformContext() {
        @Override public String platformId() { return "${platformId}"; }
        @Override public String actorId() { return "${platformId}"; }
        @Override public ObjectNode config() { return new ${className}Platform().descriptor().config(); }
        @Override public Logger log() { return LoggerFactory.getLogger("${platformId}-test"); }
        @Override public void sendToClient(ObjectNode activity) { }
        @Override public CompletionStage<Void> updateActor(ObjectNode credentials) { return CompletableFuture.completedFuture(null); }
    });

    @Test
    void greetUsesTheConfiguredGreeting() throws Exception {
        RecordingJob job = new RecordingJob("{\"type\":\"greet\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"content\":\"world\"}}");
        instance.greet(job);
        assertEquals("Hello world", job.result.path("object").path("content").asText());
        assertEquals("me", job.result.path("target").path("id").asText());
    }
}
