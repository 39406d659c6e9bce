package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sockethub.api.testkit.RecordingContext;
import org.sockethub.api.testkit.RecordingJob;

/** The verbs without a server: the API test kit's context, and a job that records its answer. */
class ${className}InstanceTest {

    private final RecordingContext context =
            new RecordingContext("${platformId}", "${platformId}", new ${className}Platform().descriptor().config());
    private final ${className}Instance instance = new ${className}Instance(context);

    @Test
    void greetUsesTheConfiguredGreeting() {
        RecordingJob job = RecordingJob.of("{\"type\":\"greet\",\"actor\":{\"id\":\"me\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"content\":\"world\"}}");
        instance.greet(job);
        assertEquals("Hello world", job.result().path("object").path("content").asText());
        assertEquals("me", job.result().path("target").path("id").asText());
    }
}
