package org.sockethub.gateway.workers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.PendingEntry;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadArgs;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.sockethub.jobs.JobStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts jobs on their platform's Redis stream and answers each exactly once: with the worker's
 * result or failure from the events stream, with a worker-failure error when the worker that
 * had taken it died ({@link #failTaken}), or with a timeout error after {@code jobs.timeoutMs}.
 * Whichever comes first wins; the others find nothing left to answer.
 */
public final class JobRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JobRouter.class);

    private record Pending(String platformId, CompletableFuture<JobEvent> answer, ScheduledFuture<?> timeout,
                           CompletableFuture<StreamMessageId> entry) {
    }

    private final RedissonClient redis;
    private final String nodeId;
    private final JobCodec codec;
    private final long timeoutMs;
    private final ScheduledExecutorService timers;
    private final Consumer<JobEvent> pushes;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, RStream<String, String>> streams = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    private final Thread reader;
    private volatile boolean running = true;

    /**
     * @param redis     the Redis client
     * @param nodeId    this gateway node
     * @param codec     seals and opens stream entries
     * @param timeoutMs how long a job may take
     * @param timers    for timeouts
     * @param pushes    receives {@link JobEvent.Kind#PUSH} and {@link JobEvent.Kind#RENAME} events, in order
     */
    public JobRouter(RedissonClient redis, String nodeId, JobCodec codec, long timeoutMs,
                     ScheduledExecutorService timers, Consumer<JobEvent> pushes) {
        this.redis = redis;
        this.nodeId = nodeId;
        this.codec = codec;
        this.timeoutMs = timeoutMs;
        this.timers = timers;
        this.pushes = pushes;
        this.reader = new Thread(this::readEvents, "sockethub-events");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** @return a job id unique on this node */
    public String nextJobId(String platformId) {
        return platformId + "-" + counter.incrementAndGet();
    }

    /**
     * Enqueues a job.
     *
     * @param platformId the platform
     * @param request    the job
     * @return completes with the job's one answer
     */
    public CompletableFuture<JobEvent> submit(String platformId, JobRequest request) {
        return enqueue(platformId, request).answer();
    }

    /**
     * A job put on its stream.
     *
     * @param answer completes with the job's one answer
     * @param queued completes once the job is in the stream (or could not be put there)
     */
    public record Submission(CompletableFuture<JobEvent> answer, CompletableFuture<?> queued) {
    }

    /**
     * Enqueues a job; {@link Submission#queued()} lets a caller keep several jobs in order.
     *
     * @param platformId the platform
     * @param request    the job
     * @return the submission
     */
    public Submission enqueue(String platformId, JobRequest request) {
        CompletableFuture<JobEvent> answer = new CompletableFuture<>();
        ScheduledFuture<?> timeout = timers.schedule(
                () -> answerInstead(request.id(), JobEvent.timeout(request.id(), "Error: job timed out after " + timeoutMs + " ms")),
                timeoutMs, TimeUnit.MILLISECONDS);
        CompletableFuture<StreamMessageId> entry = new CompletableFuture<>();
        pending.put(request.id(), new Pending(platformId, answer, timeout, entry));
        stream(platformId).addAsync(StreamAddArgs.entry(JobStreams.FIELD, codec.seal(request)))
                .whenComplete((id, error) -> {
                    if (error != null) {
                        LOG.warn("could not enqueue {}: {}", request.id(), error.toString());
                        answer(request.id(), JobEvent.failure(request.id(), "failed to add job to queue"));
                        entry.completeExceptionally(error);
                    } else {
                        entry.complete(id);
                    }
                });
        return new Submission(answer, entry);
    }

    /**
     * Enqueues a control job (it gets no answer), after the jobs already queued.
     *
     * @param platformId the platform
     * @param request    the control job, e.g. {@link JobRequest#cleanup}
     */
    public void control(String platformId, JobRequest request) {
        stream(platformId).addAsync(StreamAddArgs.entry(JobStreams.FIELD, codec.seal(request)))
                .whenComplete((id, error) -> {
                    if (error != null) {
                        LOG.warn("could not enqueue control job {}: {}", request.id(), error.toString());
                    }
                });
    }

    /**
     * Makes sure the platform's stream and consumer group exist.
     *
     * @param platformId the platform
     */
    public void open(String platformId) {
        try {
            stream(platformId).createGroup(StreamCreateGroupArgs.name(JobStreams.GROUP).makeStream().id(StreamMessageId.ALL));
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    /**
     * Answers, with an error, every job a worker had taken from its stream but not answered, and
     * removes those entries so that no other worker runs them. Jobs it had not taken stay queued
     * for the next worker.
     *
     * @param platformId the platform
     * @param consumer   the dead worker's consumer name
     * @param error      the error text for the acks
     * @return how many jobs were failed
     */
    public int failTaken(String platformId, String consumer, String error) {
        RStream<String, String> stream = stream(platformId);
        List<StreamMessageId> taken = new ArrayList<>();
        try {
            for (PendingEntry e : stream.listPending(JobStreams.GROUP, consumer, StreamMessageId.MIN, StreamMessageId.MAX, 10_000)) {
                taken.add(e.getId());
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot list the jobs of {}: {}", consumer, e.toString());
        }
        int failed = 0;
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            StreamMessageId id = p.getValue().entry().getNow(null);
            if (id != null && p.getValue().platformId().equals(platformId) && taken.contains(id)
                    && answer(p.getKey(), JobEvent.failure(p.getKey(), error))) {
                failed++;
            }
        }
        try {
            if (!taken.isEmpty()) {
                StreamMessageId[] ids = taken.toArray(new StreamMessageId[0]);
                stream.ack(JobStreams.GROUP, ids);
                stream.remove(ids);
            }
            stream.removeConsumer(JobStreams.GROUP, consumer);
        } catch (RuntimeException e) {
            LOG.debug("cleaning up after {}: {}", consumer, e.toString());
        }
        return failed;
    }

    /**
     * Answers every unanswered job of a platform with an error (the platform went away).
     *
     * @param platformId the platform
     * @param error      the error text
     */
    public void failAll(String platformId, String error) {
        pending.forEach((job, p) -> {
            if (p.platformId().equals(platformId)) {
                answerInstead(job, JobEvent.failure(job, error));
            }
        });
    }

    /** @return jobs not yet answered */
    public int inFlight() {
        return pending.size();
    }

    /**
     * Answers a job on the worker's behalf (timeout, platform gone) and deletes its entry, so
     * that no worker runs, later, a job whose client already has its answer.
     */
    private void answerInstead(String jobId, JobEvent event) {
        Pending p = pending.get(jobId);
        if (p != null && answer(jobId, event)) {
            p.entry().thenAccept(id -> stream(p.platformId()).removeAsync(id));
        }
    }

    private boolean answer(String jobId, JobEvent event) {
        Pending p = pending.remove(jobId);
        if (p == null) {
            return false;
        }
        p.timeout().cancel(false);
        p.answer().complete(event);
        return true;
    }

    private RStream<String, String> stream(String platformId) {
        return streams.computeIfAbsent(platformId, id -> redis.getStream(JobStreams.jobs(nodeId, id)));
    }

    private void readEvents() {
        RStream<String, String> events = redis.getStream(JobStreams.events(nodeId));
        StreamMessageId last = StreamMessageId.ALL;
        while (running) {
            try {
                Map<StreamMessageId, Map<String, String>> batch =
                        events.read(StreamReadArgs.greaterThan(last).count(512).timeout(Duration.ofSeconds(1)));
                if (batch == null || batch.isEmpty()) {
                    continue;
                }
                for (Map.Entry<StreamMessageId, Map<String, String>> entry : batch.entrySet()) {
                    last = entry.getKey();
                    handle(entry.getValue().get(JobStreams.FIELD));
                }
                events.removeAsync(batch.keySet().toArray(new StreamMessageId[0]));
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("reading events failed, retrying: {}", e.toString());
                    sleep(500);
                }
            }
        }
    }

    private void handle(String sealed) {
        JobEvent event;
        try {
            event = codec.openEvent(sealed);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropping an event that does not open: {}", e.getMessage());
            return;
        }
        if (event.kind() == JobEvent.Kind.PUSH || event.kind() == JobEvent.Kind.RENAME) {
            pushes.accept(event);
        } else if (!answer(event.job(), event)) {
            LOG.debug("late answer for {} ignored", event.job());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops reading and deletes this node's streams; unanswered jobs get an error.
     */
    @Override
    public void close() {
        running = false;
        reader.interrupt();
        pending.keySet().forEach(job -> answer(job, JobEvent.failure(job, "Error: server shutting down")));
        try {
            for (String key : redis.getKeys().getKeysByPattern(JobStreams.all(nodeId))) {
                redis.getKeys().delete(key);
            }
        } catch (RuntimeException e) {
            LOG.debug("cleanup of node streams failed: {}", e.toString());
        }
    }
}
