package org.sockethub.e2e.drop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/** The verbs of {@code droptest}. */
public class DropTestInstance implements PlatformInstance {

    /** Which build of the JAR this is, so a test can tell old code from new. */
    private final String build;

    public DropTestInstance() {
        try (InputStream in = DropTestInstance.class.getResourceAsStream("/droptest-build.txt")) {
            build = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers the activity with {@code object.content} prefixed by {@code build <marker>: }. */
    @Verb
    public void echo(Job job) {
        ObjectNode result = job.activity().deepCopy();
        ObjectNode object = result.with("object");
        object.put("content", "build " + build + ": " + object.path("content").asText(""));
        job.complete(result);
    }

    /** Answers like {@link #echo}, {@value #SLOW_MS} ms later: a job still running when the JAR is replaced. */
    @Verb
    public void slow(Job job) {
        java.util.concurrent.CompletableFuture.delayedExecutor(SLOW_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(() -> echo(job));
    }

    /** How long {@link #slow} takes. */
    public static final long SLOW_MS = 1500;

    /** Never completes: the job is in flight until the platform goes away or the job times out. */
    @Verb
    public void hang(Job job) {
        // nothing
    }
}
