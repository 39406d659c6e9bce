package org.sockethub.platform.dummy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/**
 * The verbs of the {@code dummy} platform. It is stateless: one instance serves every client and
 * receives several jobs at once, so it keeps no per-job state.
 */
public class DummyInstance implements PlatformInstance {

    private final PlatformContext context;

    public DummyInstance(PlatformContext context) {
        this.context = context;
    }

    /**
     * Swaps actor and target: the client gets its own activity back from the platform. It
     * computes its answer in memory and never waits, so it is declared {@code nonBlocking}: the
     * worker runs it on the thread that received the job, with no hand-off to a job thread.
     */
    @Verb(nonBlocking = true)
    public void echo(Job job) {
        job.complete(answer(job.activity()));
    }

    /** As {@link #echo(Job)}, with {@code object.content} prefixed by the configured greeting. */
    @Verb(nonBlocking = true)
    public void greet(Job job) {
        ObjectNode result = answer(job.activity());
        String greeting = context.config().path("greeting").asText("Hello");
        JsonNode object = result.get("object");
        ObjectNode content = object instanceof ObjectNode ? (ObjectNode) object : result.putObject("object");
        content.put("content", greeting + " " + content.path("content").asText(""));
        job.complete(result);
    }

    /** Fails the job with {@code object.content}: the ack's error is {@code Error: <content>}. */
    @Verb(nonBlocking = true)
    public void fail(Job job) {
        job.fail(new Exception(content(job)));
    }

    /** Throws from the verb method: a job failure like {@link #fail(Job)}, never a crash. */
    @Verb(value = "throw", nonBlocking = true)
    public void throwError(Job job) {
        throw new IllegalStateException(content(job));
    }

    /** Exits the worker JVM with status 0. */
    @Verb
    public void exit0(Job job) {
        System.exit(0);
    }

    /** Exits the worker JVM with status 1. */
    @Verb
    public void exit1(Job job) {
        System.exit(1);
    }

    /** Throws {@code TypeError: dummy type error} on a thread outside the job: fatal to the worker. */
    @Verb
    public void throwTypeError(Job job) {
        throwOutsideJob(new TypeError("dummy type error"));
    }

    /** Throws {@code ReferenceError: dummy reference error} outside the job: fatal to the worker. */
    @Verb
    public void throwReferenceError(Job job) {
        throwOutsideJob(new ReferenceError("dummy reference error"));
    }

    /** Sends SIGTERM to the worker's own process. */
    @Verb
    public void sigterm(Job job) throws IOException {
        signalSelf("TERM");
    }

    /** Sends SIGKILL to the worker's own process. */
    @Verb
    public void sigkill(Job job) throws IOException {
        signalSelf("KILL");
    }

    /** Never completes: the host's job timeout answers it. */
    @Verb(nonBlocking = true)
    public void hang(Job job) {
        context.log().info("hang: leaving job incomplete on purpose");
    }

    private static ObjectNode answer(ObjectNode activity) {
        ObjectNode result = activity.deepCopy();
        JsonNode actor = result.remove("actor");
        if (actor != null) {
            result.set("target", actor);
        }
        ObjectNode platform = result.putObject("actor");
        platform.put("id", "dummy");
        platform.put("type", "platform");
        return result;
    }

    private static String content(Job job) {
        return job.activity().path("object").path("content").asText("");
    }

    private static void throwOutsideJob(RuntimeException error) {
        Thread thread = new Thread(() -> {
            throw error;
        }, "dummy-thrower");
        thread.start();
    }

    private static void signalSelf(String signal) throws IOException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(ProcessHandle.current().pid()))
                .inheritIO().start();
    }

    /** Named after the JavaScript error the reference platform throws; the host prints the simple name. */
    static final class TypeError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TypeError(String message) {
            super(message);
        }
    }

    /** Named after the JavaScript error the reference platform throws. */
    static final class ReferenceError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReferenceError(String message) {
            super(message);
        }
    }
}
