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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.PendingEntry;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamTrimArgs;
import org.sockethub.gateway.ops.Metrics;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.RedisPipeline;
import org.sockethub.jobs.StreamReads;
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

    /**
     * An unanswered job.
     *
     * @param reruns how many more times it may run when a worker dies under it (idempotent verbs: once)
     * @param sealed the sealed job, kept for idempotent jobs (added again if Redis comes back empty), else {@code null}
     */
    private record Pending(Lane lane, CompletableFuture<JobEvent> answer,
                           CompletableFuture<StreamMessageId> entry, long started, int reruns, String sealed) {
        Pending withEntry(StreamMessageId again, int left) {
            return new Pending(lane, answer, CompletableFuture.completedFuture(again), started, left, sealed);
        }
    }

    private static final long ENTRY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How often the events read so far are trimmed from the events stream. */
    private static final long TRIM_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final RedissonClient redis;
    private final String nodeId;
    private final JobCodec codec;
    private final long timeoutMs;
    private final long timeoutNanos;
    private final ScheduledExecutorService timers;
    /** The sweep that times jobs out ({@link #expire}). */
    private final ScheduledFuture<?> expiry;
    private final Consumer<JobEvent> pushes;
    private final Metrics metrics;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, RStream<String, String>> streams = new ConcurrentHashMap<>();
    private final RedisPipeline pipeline;
    /** Jobs submitted and not yet answered, by lane (the refusal's count; {@link #pending} holds the jobs). */
    private final Map<Lane, AtomicInteger> unanswered = new ConcurrentHashMap<>();
    private final int maxWaiting;
    private final AtomicLong counter = new AtomicLong();
    private final String eventsKey;
    /** The events reads, on a connection kept between them. */
    private final StreamReads.Reader events;
    /** Completes when the events reads have stopped (after {@link #close}). */
    private final CompletableFuture<Void> readerDone = new CompletableFuture<>();
    // the events reads run one after another (each starts from the one before): no lock needed
    private StreamMessageId last = StreamMessageId.ALL;
    private StreamMessageId trimmed = StreamMessageId.ALL;
    private long trimmedAt;
    private volatile boolean running = true;
    /** Whether Redis is reachable as far as the client knows; see {@link #refuseWhileUnreachable}. */
    private volatile java.util.function.BooleanSupplier reachable = () -> true;
    /** Receives the sealed messages of other nodes ({@link #onNodeMessage}). */
    private volatile Consumer<String> nodeMessages = sealed -> LOG.debug("ignoring a node message: no cluster link");

    /** The answer to a job in flight when Redis was lost with it (it came back empty), unless it could run again. */
    public static final String REDIS_LOST = "Error: the job was lost with Redis";

    /** The answer to a job submitted while Redis is unreachable: the reference's text, and why. */
    public static final String REDIS_UNREACHABLE = "failed to add job to queue: Redis is unreachable";

    /**
     * @param redis     the Redis client
     * @param nodeId    this gateway node
     * @param codec     seals and opens stream entries
     * @param timeoutMs how long a job may take
     * @param maxWaiting how many unanswered jobs a lane may hold; more are refused at once
     * @param timers    for timeouts
     * @param pushes    receives {@link JobEvent.Kind#PUSH} and {@link JobEvent.Kind#RENAME} events, in order
     * @param metrics   counts answers, their latency and Redis errors
     */
    public JobRouter(RedissonClient redis, String nodeId, JobCodec codec, long timeoutMs, int maxWaiting,
                     ScheduledExecutorService timers, Consumer<JobEvent> pushes, Metrics metrics) {
        this.maxWaiting = maxWaiting;
        this.metrics = metrics;
        this.redis = redis;
        this.nodeId = nodeId;
        this.codec = codec;
        this.timeoutMs = timeoutMs;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.timers = timers;
        this.pushes = pushes;
        this.pipeline = new RedisPipeline(redis);
        this.eventsKey = JobStreams.events(nodeId);
        this.events = new StreamReads.Reader(redis, eventsKey);
        long every = expiryInterval(timeoutMs);
        this.expiry = timers.scheduleWithFixedDelay(this::expire, every, every, TimeUnit.MILLISECONDS);
        readEvents();
    }

    /** @return this gateway node */
    public String nodeId() {
        return nodeId;
    }

    /** @return a job id unique on this node */
    public String nextJobId(String platformId) {
        return platformId + "-" + counter.incrementAndGet();
    }

    /**
     * Jobs submitted while {@code reachable} says Redis is not are answered at once with
     * {@link #REDIS_UNREACHABLE}.
     *
     * @param reachable whether Redis is reachable (e.g. {@link org.sockethub.gateway.ops.RedisState})
     */
    public void refuseWhileUnreachable(java.util.function.BooleanSupplier reachable) {
        this.reachable = reachable;
    }

    /**
     * @param receiver receives what other gateway nodes put on this node's events stream (sealed)
     */
    public void onNodeMessage(Consumer<String> receiver) {
        this.nodeMessages = receiver;
    }

    /**
     * Enqueues a job.
     *
     * @param lane    where it goes
     * @param request the job
     * @return completes with the job's one answer
     */
    public CompletableFuture<JobEvent> submit(Lane lane, JobRequest request) {
        return enqueue(lane, request, false).answer();
    }

    /**
     * Enqueues a job.
     *
     * @param lane       where it goes
     * @param request    the job
     * @param idempotent whether it may run once more when the worker that took it dies
     * @return completes with the job's one answer
     */
    public CompletableFuture<JobEvent> submit(Lane lane, JobRequest request, boolean idempotent) {
        return enqueue(lane, request, idempotent).answer();
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
     * @param lane    where it goes
     * @param request the job
     * @return the submission
     */
    public Submission enqueue(Lane lane, JobRequest request) {
        return enqueue(lane, request, false);
    }

    /**
     * Enqueues a job; {@link Submission#queued()} lets a caller keep several jobs in order.
     *
     * @param lane       where it goes
     * @param request    the job
     * @param idempotent whether it may run once more when the worker that took it dies
     * @return the submission
     */
    public Submission enqueue(Lane lane, JobRequest request, boolean idempotent) {
        String refusal = refusal(lane);
        if (refusal != null) {
            return refused(lane, request.id(), refusal);
        }
        String sealed = codec.seal(request);
        return track(lane, request.id(), idempotent ? 1 : 0, idempotent ? sealed : null, () -> add(lane, sealed));
    }

    /**
     * Sends a job to the node that holds its persistent instance, with the same guarantees as a
     * job of this node's own lanes: one answer, which is the holder's ({@link #answerFromNode}),
     * an error if it cannot be sent or the holder dies ({@link #failForwarded}), or the timeout.
     *
     * @param lane  the holder's lane, {@link Lane#onNode}
     * @param jobId the job id (this node's)
     * @param send  sends it; completes with the entry it made in the holder's events stream
     * @return the submission
     */
    public Submission forward(Lane lane, String jobId, java.util.function.Supplier<CompletableFuture<?>> send) {
        String refusal = refusal(lane);
        if (refusal != null) {
            return refused(lane, jobId, refusal);
        }
        return track(lane, jobId, 0, null, send);
    }

    /**
     * The answer another node sent to a job this node forwarded to it.
     *
     * @param event the answer
     * @return whether it was the job's answer (not late)
     */
    public boolean answerFromNode(JobEvent event) {
        return answer(event.job(), event);
    }

    /**
     * Admission: a job is refused at once while Redis is unreachable (not queued into nothing, to
     * wait out Redisson's retries or the job timeout) or when its lane already holds
     * {@code jobs.maxWaiting} unanswered jobs (not left to time out).
     *
     * @return the refusal's text, or {@code null}: the job is admitted and counted in its lane
     */
    private String refusal(Lane lane) {
        if (!reachable.getAsBoolean()) {
            return REDIS_UNREACHABLE;
        }
        AtomicInteger waiting = unanswered.computeIfAbsent(lane, l -> new AtomicInteger());
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return busy(lane);
        }
        return null;
    }

    private Submission refused(Lane lane, String jobId, String refusal) {
        metrics.jobRefused(lane.platformId());
        return new Submission(CompletableFuture.completedFuture(JobEvent.failure(jobId, refusal)), CompletableFuture.completedFuture(null));
    }

    /** A counted job: pending until answered or timed out ({@link #expire}), its entry once added, and an error answer if it cannot be. */
    private Submission track(Lane lane, String jobId, int reruns, String sealed,
                             java.util.function.Supplier<? extends CompletableFuture<?>> add) {
        CompletableFuture<JobEvent> answer = new CompletableFuture<>();
        CompletableFuture<StreamMessageId> entry = new CompletableFuture<>();
        pending.put(jobId, new Pending(lane, answer, entry, System.nanoTime(), reruns, sealed));
        add.get().whenComplete((id, error) -> {
            if (error != null) {
                metrics.redisError();
                LOG.warn("could not enqueue {}: {}", jobId, error.toString());
                answer(jobId, JobEvent.failure(jobId, "failed to add job to queue"));
                entry.completeExceptionally(error);
            } else {
                entry.complete((StreamMessageId) id);
            }
        });
        return new Submission(answer, entry);
    }

    /**
     * Enqueues a control job (it gets no answer), after the jobs already queued.
     *
     * @param lane    where it goes
     * @param request the control job, e.g. {@link JobRequest#cleanup}
     */
    public void control(Lane lane, JobRequest request) {
        add(lane, codec.seal(request))
                .whenComplete((id, error) -> {
                    if (error != null) {
                        LOG.warn("could not enqueue control job {}: {}", request.id(), error.toString());
                    }
                });
    }

    /**
     * Makes sure a lane's stream and consumer group exist. Asynchronous (it may be called from a
     * Redis callback); a worker creates them too before it reads, from the stream's start, so
     * jobs added meanwhile are not missed.
     *
     * @param lane the lane
     */
    public void open(Lane lane) {
        stream(lane).createGroupAsync(StreamCreateGroupArgs.name(JobStreams.GROUP).makeStream().id(StreamMessageId.ALL))
                .whenComplete((ok, e) -> {
                    if (e != null && !String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
                        LOG.warn("cannot create the jobs stream of {}: {}", lane.name(), e.toString());
                    }
                });
    }

    /**
     * Answers, with an error, every job a worker had taken from its stream but not answered, and
     * removes those entries so that no other worker runs them; a job of an idempotent verb that
     * has not run again yet goes back to the end of its stream instead, for the lane's next
     * worker. Jobs it had not taken stay queued for the next worker.
     *
     * @param lane     the dead worker's lane
     * @param consumer the dead worker's consumer name
     * @param error    the error text for the acks
     * @return how many jobs were failed
     */
    public int failTaken(Lane lane, String consumer, String error) {
        RStream<String, String> stream = stream(lane);
        List<StreamMessageId> taken = takenBy(stream, consumer);
        long deadline = System.nanoTime() + ENTRY_WAIT_NANOS;
        List<StreamMessageId> rerun = new ArrayList<>();
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            StreamMessageId id = p.getValue().lane().equals(lane) ? entryOf(p.getValue(), deadline) : null;
            if (id != null && taken.contains(id) && p.getValue().reruns() > 0) {
                rerun.add(id);
            }
        }
        if (!rerun.isEmpty()) {
            int again = requeue(lane, rerun, true);
            taken.removeAll(rerun); // acknowledged and removed by requeue
            LOG.info("{} job(s) of idempotent verbs taken by {} run again on the next worker", again, lane.name());
        }
        int failed = 0;
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            StreamMessageId id = p.getValue().lane().equals(lane) ? entryOf(p.getValue(), deadline) : null;
            if (id != null && taken.contains(id)
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
     * Puts back, at the end of its stream, every job a worker stopped on purpose had taken but not
     * answered, so that the lane's next worker runs it. A worker being replaced can still read
     * jobs from its stream after it was told to drain; it runs none of them (it reports them,
     * {@link #requeue}), and whatever is left when it exits was sent for the new code too.
     *
     * @param lane     the stopped worker's lane
     * @param consumer its consumer name
     * @return how many jobs were put back
     */
    public int requeueTaken(Lane lane, String consumer) {
        RStream<String, String> stream = stream(lane);
        int requeued = requeue(lane, takenBy(stream, consumer));
        try {
            stream.removeConsumer(JobStreams.GROUP, consumer);
        } catch (RuntimeException e) {
            LOG.debug("cleaning up after {}: {}", consumer, e.toString());
        }
        return requeued;
    }

    /**
     * Puts stream entries a worker read but will not run back at the end of their stream, for the
     * lane's next worker; each job keeps its one answer.
     *
     * @param lane    the lane
     * @param entries the entries, e.g. what a draining worker read after it was told to drain
     * @return how many jobs were put back
     */
    public int requeue(Lane lane, List<StreamMessageId> entries) {
        return requeue(lane, entries, false);
    }

    /** @param rerun whether the jobs ran (their worker died under them): each uses up one rerun */
    private int requeue(Lane lane, List<StreamMessageId> entries, boolean rerun) {
        RStream<String, String> stream = stream(lane);
        long deadline = System.nanoTime() + ENTRY_WAIT_NANOS;
        int requeued = 0;
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            Pending job = p.getValue();
            StreamMessageId id = job.lane().equals(lane) ? entryOf(job, deadline) : null;
            if (id == null || !entries.contains(id)) {
                continue;
            }
            try {
                Map<String, String> fields = stream.range(id, id).get(id);
                if (fields == null) {
                    continue;
                }
                StreamMessageId again = stream.add(StreamAddArgs.entries(fields));
                if (pending.replace(p.getKey(), job, job.withEntry(again, rerun ? job.reruns() - 1 : job.reruns()))) {
                    requeued++;
                } else {
                    stream.remove(again); // answered meanwhile (a timeout): nobody runs it now
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot requeue job {}: {}", p.getKey(), e.toString());
                answer(p.getKey(), JobEvent.failure(p.getKey(), "Error: platform " + lane.platformId() + " stopped"));
            }
        }
        try {
            if (!entries.isEmpty()) {
                StreamMessageId[] ids = entries.toArray(new StreamMessageId[0]);
                stream.ack(JobStreams.GROUP, ids);
                stream.remove(ids);
            }
        } catch (RuntimeException e) {
            LOG.debug("cleaning up entries of {}: {}", lane.name(), e.toString());
        }
        return requeued;
    }

    /**
     * Redis is reachable again after it was lost. A job still unanswered whose stream entry is gone
     * (Redis came back empty, after a crash or a restart without persistence) cannot be told from one
     * a worker had taken: a job of an idempotent verb is added again and runs on the lane's worker,
     * any other is answered with {@link #REDIS_LOST}. Jobs whose entries survived are left alone.
     *
     * @return how many jobs were added again
     */
    public int redisReturned() {
        long deadline = System.nanoTime() + ENTRY_WAIT_NANOS;
        int again = 0;
        int lost = 0;
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            Pending job = p.getValue();
            StreamMessageId id = entryOf(job, deadline);
            RStream<String, String> stream = stream(job.lane());
            try {
                if (id != null && !stream.range(id, id).isEmpty()) {
                    continue;
                }
                if (job.sealed() != null && job.reruns() > 0) {
                    StreamMessageId added = stream.add(StreamAddArgs.entries(Map.of(JobStreams.FIELD, job.sealed())));
                    if (pending.replace(p.getKey(), job, job.withEntry(added, job.reruns() - 1))) {
                        again++;
                    } else {
                        stream.remove(added); // answered meanwhile
                    }
                    continue;
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot check job {} after Redis came back: {}", p.getKey(), e.toString());
            }
            if (answer(p.getKey(), JobEvent.failure(p.getKey(), REDIS_LOST))) {
                lost++;
            }
        }
        if (again + lost > 0) {
            LOG.info("Redis came back without {} job(s): {} of idempotent verbs added again, {} answered with an error",
                    again + lost, again, lost);
        }
        return again;
    }

    /** The stream entries a consumer has read and not acknowledged. */
    private static List<StreamMessageId> takenBy(RStream<String, String> stream, String consumer) {
        List<StreamMessageId> taken = new ArrayList<>();
        try {
            for (PendingEntry e : stream.listPending(JobStreams.GROUP, consumer, StreamMessageId.MIN, StreamMessageId.MAX, 10_000)) {
                taken.add(e.getId());
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot list the jobs of {}: {}", consumer, e.toString());
        }
        return taken;
    }

    /**
     * Answers every unanswered job of a platform with an error (the platform went away).
     *
     * @param platformId the platform
     * @param error      the error text
     */
    public void failAll(String platformId, String error) {
        pending.forEach((job, p) -> {
            if (p.lane().platformId().equals(platformId)) {
                answerInstead(job, JobEvent.failure(job, error));
            }
        });
    }

    /**
     * Answers, with an error, every unanswered job this node forwarded to another node (that node stopped).
     *
     * @param node  the node
     * @param error the error text
     */
    public void failForwarded(String node, String error) {
        pending.forEach((job, p) -> {
            if (p.lane().remote() && p.lane().name().endsWith("@" + node)) {
                answer(job, JobEvent.failure(job, error));
            }
        });
    }

    /**
     * Retires a lane whose worker is gone for good (an isolated instance that ended): its
     * unanswered jobs get an error and its stream is deleted.
     *
     * @param lane  the lane
     * @param error the error text
     */
    public void discard(Lane lane, String error) {
        pending.forEach((job, p) -> {
            if (p.lane().equals(lane)) {
                answer(job, JobEvent.failure(job, error));
            }
        });
        streams.remove(lane.name());
        String key = JobStreams.jobs(nodeId, lane.name());
        pipeline.write(key, RedisPipeline.DEL, key); // after its jobs' adds
        unanswered.remove(lane);
    }

    /** The error a job gets when its lane already holds {@code jobs.maxWaiting} unanswered jobs. */
    private String busy(Lane lane) {
        return "server busy: " + maxWaiting + " jobs already waiting for " + lane.platformId() + "; try again later";
    }

    /** @return jobs not yet answered */
    public int inFlight() {
        return pending.size();
    }

    /** @return jobs not yet answered, by lane name */
    public Map<String, Integer> inFlightByLane() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        pending.values().forEach(p -> counts.merge(p.lane().name(), 1, Integer::sum));
        return counts;
    }

    /**
     * How often {@link #expire} looks for jobs past their timeout: a twentieth of the timeout,
     * between 10 and 50 ms (a job is timed out at most that late).
     */
    static long expiryInterval(long timeoutMs) {
        return Math.max(10, Math.min(50, timeoutMs / 20));
    }

    /**
     * Times out the jobs pending for {@code jobs.timeoutMs} or longer. One sweep over the pending
     * jobs every {@link #expiryInterval} instead of a timer per job: scheduling and cancelling a
     * task per job on the timers' queue (a lock and a heap of every job in flight) cost ~2.5 % of
     * the gateway's CPU under load (bench/README.md, 2026-12-07 (night)).
     */
    private void expire() {
        long now = System.nanoTime();
        for (Map.Entry<String, Pending> job : pending.entrySet()) {
            if (now - job.getValue().started() >= timeoutNanos) {
                String id = job.getKey();
                answerInstead(id, JobEvent.timeout(id, "Error: job timed out after " + timeoutMs + " ms"));
            }
        }
    }

    /**
     * Answers a job on the worker's behalf (timeout, platform gone) and deletes its entry, so
     * that no worker runs, later, a job whose client already has its answer.
     */
    private void answerInstead(String jobId, JobEvent event) {
        Pending p = pending.get(jobId);
        if (p != null && answer(jobId, event)) {
            p.entry().thenAccept(id -> stream(p.lane()).removeAsync(id));
        }
    }

    private boolean answer(String jobId, JobEvent event) {
        Pending p = pending.remove(jobId);
        if (p == null) {
            return false;
        }
        AtomicInteger waiting = unanswered.get(p.lane());
        if (waiting != null) {
            waiting.decrementAndGet();
        }
        metrics.jobAnswered(p.lane().platformId(), switch (event.kind()) {
            case RESULT -> "result";
            case TIMEOUT -> "timeout";
            default -> "failure";
        }, System.nanoTime() - p.started());
        p.answer().complete(event);
        return true;
    }

    /**
     * A pending job's stream entry id. A worker can read an entry before this gateway has seen
     * the reply to the XADD that created it, so a job still being added is waited for briefly
     * rather than taken for one that was never queued (all such waits share one deadline).
     */
    private static StreamMessageId entryOf(Pending job, long deadline) {
        try {
            return job.entry().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        }
    }

    /**
     * Adds an entry to a lane's stream through the node's {@link RedisPipeline}: the jobs of every
     * lane share one pipelined connection (many XADDs per round trip under load, in the order they
     * were submitted).
     */
    private CompletableFuture<StreamMessageId> add(Lane lane, String sealed) {
        String key = JobStreams.jobs(nodeId, lane.name());
        return pipeline.write(key, RedisPipeline.XADD, key, "*", JobStreams.FIELD, sealed).thenApply(StreamMessageId.class::cast);
    }

    private RStream<String, String> stream(Lane lane) {
        return streams.computeIfAbsent(lane.name(), name -> redis.getStream(JobStreams.jobs(nodeId, name)));
    }

    /**
     * Reads the events stream without a waiting thread: each read's entries are handled on
     * Redisson's I/O thread that received them, in stream order, and the next read starts from
     * there (one thread hand-off per answer fewer than a reader thread that waits). What is
     * handled there only completes futures and writes to sockets without blocking; a failed
     * read is retried 500 ms later on the timer thread.
     */
    private void readEvents() {
        if (!running) {
            events.close();
            readerDone.complete(null);
            return;
        }
        CompletableFuture<Map<StreamMessageId, Map<String, String>>> read;
        try {
            read = events.read(last, 512, Duration.ofSeconds(1));
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete(this::eventsRead);
    }

    private void eventsRead(Map<StreamMessageId, Map<String, String>> batch, Throwable error) {
        if (error != null) {
            if (!running) {
                readerDone.complete(null);
                return;
            }
            metrics.redisError();
            LOG.warn("reading events failed, retrying: {}", error.toString());
            try {
                timers.schedule(this::readEvents, 500, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                readerDone.complete(null);
            }
            return;
        }
        if (batch != null) {
            for (Map.Entry<StreamMessageId, Map<String, String>> entry : batch.entrySet()) {
                last = entry.getKey();
                try {
                    String sealed = entry.getValue().get(JobStreams.FIELD);
                    if (sealed != null) {
                        handle(sealed);
                    } else if (entry.getValue().get(org.sockethub.gateway.cluster.ClusterLink.FIELD) != null) {
                        nodeMessages.accept(entry.getValue().get(org.sockethub.gateway.cluster.ClusterLink.FIELD));
                    }
                } catch (RuntimeException e) {
                    LOG.error("handling event {} failed", entry.getKey(), e);
                }
            }
        }
        // what has been read goes in bulk, a few times a second, instead of a command per read
        // (XTRIM MINID keeps the last entry read; the next trim takes it)
        long now = System.nanoTime();
        if (!last.equals(trimmed) && (now - trimmedAt >= TRIM_EVERY_NANOS || batch == null || batch.isEmpty())) {
            redis.getStream(eventsKey).trimAsync(StreamTrimArgs.minId(last).noLimit());
            trimmed = last;
            trimmedAt = now;
        }
        readEvents();
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

    /**
     * Stops reading and deletes this node's streams; unanswered jobs get an error.
     */
    @Override
    public void close() {
        running = false;
        expiry.cancel(false);
        // the read under way ends within its BLOCK (1 s); abandoned, it would leave its connection to a
        // reconnect that the commands below could be queued behind (seconds at every shutdown)
        try {
            readerDone.get(2_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("the events read did not end in time: {}", e.toString());
        }
        pending.keySet().forEach(job -> answer(job, JobEvent.failure(job, "Error: server shutting down")));
        pipeline.close();
        try {
            for (String key : redis.getKeys().getKeysByPattern(JobStreams.all(nodeId))) {
                redis.getKeys().delete(key);
            }
        } catch (RuntimeException e) {
            LOG.debug("cleanup of node streams failed: {}", e.toString());
        }
    }
}
