package org.sockethub.api.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sockethub.api.Job;

/**
 * A {@link Job} for a platform's unit tests: call a verb with it, then look at how the verb
 * answered. Like the worker's own job, the first answer counts and later ones are ignored
 * ({@link #completions()} counts them all, so a test can check a verb answers once); a
 * {@code complete()} without a result answers with the activity itself, as the client's ack does,
 * and {@code fail(Throwable)} answers {@code Error: <message>}.
 *
 * <pre>{@code
 * RecordingJob job = RecordingJob.of("{\"type\":\"echo\",\"actor\":{\"id\":\"me\",\"type\":\"person\"}}");
 * instance.echo(job);
 * assertEquals("me", job.result().path("target").path("id").asText());
 * }</pre>
 */
public final class RecordingJob implements Job {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode activity;
    private final ObjectNode credentials;
    private final CountDownLatch answered = new CountDownLatch(1);
    private final AtomicInteger completions = new AtomicInteger();
    private volatile ObjectNode result;
    private volatile String error;

    private RecordingJob(ObjectNode activity, ObjectNode credentials) {
        this.activity = activity;
        this.credentials = credentials;
    }

    /**
     * A job for the given activity that has not answered yet.
     *
     * @param activity    the activity, as the gateway hands it over
     * @param credentials the credentials activity, or {@code null} for none
     * @return a job
     */
    public static RecordingJob of(ObjectNode activity, ObjectNode credentials) {
        return new RecordingJob(activity, credentials);
    }

    /**
     * A job for an activity written as JSON text, without credentials.
     *
     * @param activityJson the activity as JSON text
     * @return a job without credentials
     */
    public static RecordingJob of(String activityJson) {
        return of(activityJson, null);
    }

    /**
     * A job for an activity and its credentials, both written as JSON text.
     *
     * @param activityJson    the activity as JSON text
     * @param credentialsJson the credentials activity as JSON text, or {@code null} for none
     * @return a job
     * @throws IllegalArgumentException if either text is not a JSON object
     */
    public static RecordingJob of(String activityJson, String credentialsJson) {
        return new RecordingJob(parse(activityJson), credentialsJson == null ? null : parse(credentialsJson));
    }

    @Override
    public ObjectNode activity() {
        return activity;
    }

    @Override
    public String type() {
        return activity.path("type").asText();
    }

    @Override
    public Optional<ObjectNode> credentials() {
        return Optional.ofNullable(credentials);
    }

    @Override
    public void complete() {
        answer(activity, null);
    }

    @Override
    public void complete(ObjectNode result) {
        answer(result == null ? activity : result, null);
    }

    @Override
    public void fail(String message) {
        answer(null, message);
    }

    @Override
    public void fail(Throwable cause) {
        String message = cause.getMessage();
        fail("Error: " + (message == null ? cause.getClass().getSimpleName() : message));
    }

    /** @return whether the verb has answered */
    public boolean isDone() {
        return answered.getCount() == 0;
    }

    /** @return the result it completed with (the activity for a bare {@code complete()}), or {@code null} */
    public ObjectNode result() {
        return result;
    }

    /** @return the error it failed with, or {@code null} */
    public String error() {
        return error;
    }

    /** @return how many times the verb answered (more than one is a bug in the verb) */
    public int completions() {
        return completions.get();
    }

    /**
     * Waits for a verb that answers later, from another thread (a network reply, a timer).
     *
     * @param timeout how long to wait
     * @return this job, answered
     * @throws AssertionError       if it has not answered in time
     * @throws InterruptedException if interrupted
     */
    public RecordingJob await(Duration timeout) throws InterruptedException {
        if (!answered.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the " + type() + " job gave no answer within " + timeout.toMillis() + " ms");
        }
        return this;
    }

    private void answer(ObjectNode result, String error) {
        if (completions.getAndIncrement() == 0) {
            this.result = result;
            this.error = error;
            answered.countDown();
        }
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalArgumentException("not a JSON object: " + json, e);
        }
    }
}
