package org.sockethub.api.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RecordingJobTest {

    @Test
    void theFirstAnswerCountsAndEveryAnswerIsCounted() {
        RecordingJob job = RecordingJob.of("{\"type\":\"echo\"}");
        assertFalse(job.isDone());
        job.complete();
        job.fail("late");
        assertTrue(job.isDone());
        assertSame(job.activity(), job.result(), "a bare complete() answers with the activity");
        assertNull(job.error());
        assertEquals(2, job.completions());
    }

    @Test
    void failuresCarryTheirTextAsTheWorkerSendsIt() {
        RecordingJob job = RecordingJob.of("{\"type\":\"join\"}", "{\"type\":\"credentials\",\"object\":{\"nick\":\"n\"}}");
        job.fail(new IllegalStateException("boom"));
        assertEquals("Error: boom", job.error());
        assertEquals("n", job.credentials().orElseThrow().path("object").path("nick").asText());
        assertEquals("join", job.type());
    }

    @Test
    void awaitsAnAnswerFromAnotherThread() throws Exception {
        RecordingJob job = RecordingJob.of("{\"type\":\"send\"}");
        ObjectNode result = JsonNodeFactory.instance.objectNode().put("type", "send");
        new Thread(() -> job.complete(result)).start();
        assertSame(result, job.await(Duration.ofSeconds(5)).result());
        AssertionError none = assertThrows(AssertionError.class, () -> RecordingJob.of("{\"type\":\"x\"}").await(Duration.ofMillis(10)));
        assertTrue(none.getMessage().contains("x job gave no answer"));
    }

    @Test
    void aContextRecordsPushesAndRenames() throws Exception {
        RecordingContext context = new RecordingContext("irc", "alice", JsonNodeFactory.instance.objectNode());
        new Thread(() -> context.sendToClient(JsonNodeFactory.instance.objectNode().put("type", "join"))).start();
        assertEquals("join", context.awaitPush(p -> "join".equals(p.path("type").asText()), Duration.ofSeconds(5)).path("type").asText());
        context.updateActor(JsonNodeFactory.instance.objectNode().put("type", "credentials")).toCompletableFuture().get();
        assertEquals(1, context.renames().size());
        assertEquals("irc", context.platformId());
        assertEquals("alice", context.actorId());
    }
}
