package org.sockethub.launcher.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.sockethub.api.Job;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;

/** A job inside a worker: completes once, whatever the platform does afterwards. */
final class WorkerJob implements Job {

    private final JobRequest request;
    private final Consumer<JobEvent> onDone;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile java.util.concurrent.ScheduledFuture<?> deadline;
    private volatile Runnable onSuccess;

    WorkerJob(JobRequest request, Consumer<JobEvent> onDone) {
        this.request = request;
        this.onDone = onDone;
    }

    String id() {
        return request.id();
    }

    String actorId() {
        return request.actor();
    }

    /** @param timer the job's timeout, cancelled when it completes */
    void deadline(java.util.concurrent.ScheduledFuture<?> timer) {
        this.deadline = timer;
    }

    /** @param action run when (if) the job succeeds, before its answer is sent */
    void onSuccess(Runnable action) {
        this.onSuccess = action;
    }

    @Override
    public ObjectNode activity() {
        return request.activity();
    }

    @Override
    public String type() {
        return request.activity().path("type").asText();
    }

    @Override
    public Optional<ObjectNode> credentials() {
        return Optional.ofNullable(request.credentials());
    }

    @Override
    public void complete() {
        finish(JobEvent.result(request.id(), null));
    }

    @Override
    public void complete(ObjectNode result) {
        finish(JobEvent.result(request.id(), result));
    }

    @Override
    public void fail(String message) {
        finish(JobEvent.failure(request.id(), message));
    }

    @Override
    public void fail(Throwable cause) {
        String message = cause.getMessage();
        fail("Error: " + (message == null ? cause.getClass().getSimpleName() : message));
    }

    /** Gives the job up without an answer (the gateway has answered it already). */
    boolean expire() {
        if (done.compareAndSet(false, true)) {
            onDone.accept(null);
            return true;
        }
        return false;
    }

    private void finish(JobEvent event) {
        if (done.compareAndSet(false, true)) {
            var timer = deadline;
            if (timer != null) {
                timer.cancel(false);
            }
            Runnable success = onSuccess;
            if (success != null && event.kind() == JobEvent.Kind.RESULT) {
                success.run();
            }
            onDone.accept(event);
        }
    }
}
