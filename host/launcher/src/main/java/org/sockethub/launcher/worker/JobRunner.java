package org.sockethub.launcher.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RScript;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;
import org.sockethub.jobs.CredentialsHash;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.RedisPipeline;
import org.sockethub.jobs.StreamReads;
import org.sockethub.jobs.Utf8Codec;
import org.sockethub.jobs.VerbTable;
import org.sockethub.jobs.WorkerStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes jobs from the platform's stream (never more than it has free slots for, so that jobs it
 * cannot start yet stay queued for whichever worker runs next), runs each on its platform
 * instance, and puts the answer on the gateway's events stream before acknowledging the entry.
 *
 * <p>Dispatch follows the reference (spec/protocol.md §2.5): credentialed verbs get the stored
 * credentials, and on a persistent instance they must match the credentials the instance is
 * bound to (§3.7); a persistent instance that is not initialized refuses other verbs; an
 * unknown verb fails. Jobs of one persistent instance run one after another, each after the
 * previous completed; a stateless instance runs up to {@code concurrency} at once. A persistent
 * job that outlives {@code jobs.timeoutMs} leaves its instance in an unknown state: the instance
 * is shut down and the jobs queued behind it fail.
 */
final class JobRunner {

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final WorkerStart start;
    private final WorkerStart.Member member;
    private final PlatformDescriptor descriptor;
    private final Platform platform;
    private final VerbTable verbs;
    private final JobCodec codec;
    private final ScheduledExecutorService timers;
    private final RedissonClient redis;
    private final RStream<String, String> jobs;
    /** The lane's reads, on a connection kept between them. */
    private final StreamReads.Reader reader;
    private final String eventsKey;
    private final RedisPipeline writer;
    private final RScript scripts;
    /** The SHA of {@link JobStreams#FINISH_SCRIPT} in Redis's script cache, once loaded. */
    private volatile String finishSha;
    /** The lane's jobs stream: the finishing script's first key, beside {@link #eventsKey}. */
    private final String jobsKey;
    private final Semaphore slots;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "worker-job");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    /** Entries taken and not yet finished in Redis (their finishing script included). */
    private final java.util.concurrent.atomic.AtomicInteger unfinished = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean draining;
    /** Whether a read of the lane is out (or waits to be retried). */
    private final java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean();
    /** {@link #run} waits on it for the drain to end. */
    private final Object lane = new Object();
    /** Told which entries this worker read after {@link #drain} and will not run. */
    private final java.util.function.Consumer<List<StreamMessageId>> leftBehind;

    /** One platform instance and its queue of jobs waiting for the previous one to complete. */
    private final class Instance {
        final String key;
        final WorkerContext context;
        final PlatformInstance target;
        final Queue<Work> waiting = new ArrayDeque<>();
        boolean busy;
        boolean closed;
        /** The fingerprint of the credentials its first successful credentialed verb used. */
        volatile String credentialsHash;

        Instance(String key, String actor) {
            this.key = key;
            this.context = new WorkerContext(descriptor.id(), actor, member.config().deepCopy(), descriptor.persist(),
                    activity -> push(key, activity), credentials -> rename(this, credentials));
            this.target = platform.createInstance(context);
        }
    }

    /** A job taken from the stream, with the entry to acknowledge. */
    private record Work(StreamMessageId entry, JobRequest request, WorkerJob job) {
    }

    /**
     * @param start      the worker's start message
     * @param member     the platform this runner serves, and its lane
     * @param descriptor the platform's descriptor
     * @param platform   the platform
     * @param redis      the worker's Redis client
     * @param writer     the worker's writes to Redis, in order: every lane's answers and pushes
     * @param codec      seals and opens jobs and answers
     * @param timers     for job timeouts
     * @param leftBehind told which entries of its lane this runner read after {@link #drain} and will not run
     */
    JobRunner(WorkerStart start, WorkerStart.Member member, PlatformDescriptor descriptor, Platform platform,
              RedissonClient redis, RedisPipeline writer, JobCodec codec, ScheduledExecutorService timers,
              java.util.function.Consumer<List<StreamMessageId>> leftBehind) {
        this.leftBehind = leftBehind;
        this.start = start;
        this.member = member;
        this.descriptor = descriptor;
        this.platform = platform;
        this.verbs = VerbTable.of(descriptor.instanceType());
        this.codec = codec;
        this.timers = timers;
        this.redis = redis;
        this.jobs = redis.getStream(JobStreams.jobs(start.nodeId(), member.lane()));
        this.reader = new StreamReads.Reader(redis, jobs.getName());
        this.eventsKey = JobStreams.events(start.nodeId());
        this.writer = writer;
        this.scripts = redis.getScript(Utf8Codec.INSTANCE);
        this.jobsKey = JobStreams.jobs(start.nodeId(), member.lane());
        this.slots = new Semaphore(descriptor.persist() ? 64 : Math.max(1, member.concurrency()));
    }

    /**
     * Runs jobs until {@link #drain} is called, then returns once every job taken has finished
     * and every instance has run its cleanup. The reads themselves do not wait on this thread:
     * each read's entries are taken on Redisson's I/O thread, which runs each job that never waits
     * itself, hands the others straight to a job thread, and starts the next read ({@link #read}).
     */
    void run() throws InterruptedException {
        createGroup().join(); // failures are logged, and the reads retry
        loadFinishScript();
        read();
        synchronized (lane) {
            while (!draining || reading.get()) {
                lane.wait(1_000);
            }
        }
        reader.close();
        while (unfinished.get() > 0) {
            Thread.sleep(20);
        }
        for (Instance instance : List.copyOf(instances.values())) {
            shutDown(instance, "Error: platform instance was shut down");
        }
    }

    /**
     * This worker's platform was replaced: it takes no more jobs and {@link #run} returns once
     * the ones it took have finished (a job that never finishes is given up at its timeout).
     */
    void drain() {
        draining = true;
        wakeLane();
    }

    private void wakeLane() {
        synchronized (lane) {
            lane.notifyAll();
        }
    }

    /**
     * Reads as many jobs as there are free slots (never more: jobs this worker cannot start yet
     * stay queued for whichever worker runs next), unless a read is out, the runner drains or no
     * slot is free; a job that finishes frees its slot and calls this again.
     */
    private void read() {
        if (draining || !reading.compareAndSet(false, true)) {
            if (draining) {
                wakeLane();
            }
            return;
        }
        int free = slots.drainPermits();
        if (free == 0) {
            reading.set(false);
            if (slots.availablePermits() > 0) { // a slot freed since the drain found reading set
                read();
            }
            return;
        }
        reader.readGroup(JobStreams.GROUP, start.consumer(), free, Duration.ofSeconds(2))
                .whenComplete((batch, error) -> {
                    try {
                        taken(free, batch, error);
                    } catch (RuntimeException | Error e) { // a bug here must not end the lane's reads
                        LOG.error("taking jobs failed", e);
                        retryRead(e);
                    }
                });
    }

    private void taken(int asked, Map<StreamMessageId, Map<String, String>> batch, Throwable error) {
        if (error != null) {
            slots.release(asked);
            LOG.warn("reading jobs failed, retrying: {}", error.toString());
            retryRead(error);
            return;
        }
        int taken = batch == null ? 0 : batch.size();
        slots.release(asked - taken);
        if (taken > 0 && draining) {
            // read after the drain began: not run here; the gateway hands them to the new worker
            LOG.info("{} job(s) read while draining left for the next worker", taken);
            leftBehind.accept(List.copyOf(batch.keySet()));
        } else if (taken > 0) {
            List<Runnable> accepts = new ArrayList<>(taken);
            boolean creates = false;
            for (Map.Entry<StreamMessageId, Map<String, String>> e : batch.entrySet()) {
                StreamMessageId id = e.getKey();
                JobRequest request = open(id, e.getValue().get(JobStreams.FIELD));
                if (request != null) {
                    creates |= !JobRequest.CLEANUP.equals(request.control()) && !instances.containsKey(instanceKey(request));
                    accepts.add(() -> accept(id, request));
                }
            }
            if (creates) {
                // a new instance runs platform code (its constructor), which has no place on an I/O thread;
                // the next read waits for these, in order
                executor.execute(() -> {
                    accepts.forEach(Runnable::run);
                    reading.set(false);
                    read();
                });
                return;
            }
            accepts.forEach(Runnable::run);
        }
        reading.set(false);
        read();
    }

    /** The next read in 500 ms, after the consumer group is made again if Redis lost it. */
    private void retryRead(Throwable error) {
        timers.schedule(() -> {
            CompletableFuture<?> group = String.valueOf(error.getMessage()).contains("NOGROUP")
                    ? createGroup() // Redis restarted without persistence: the group is gone
                    : CompletableFuture.completedFuture(null);
            group.whenComplete((ok, failed) -> {
                reading.set(false);
                read();
            });
        }, 500, TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<?> createGroup() {
        return jobs.createGroupAsync(StreamCreateGroupArgs.name(JobStreams.GROUP).makeStream().id(StreamMessageId.ALL))
                .toCompletableFuture().exceptionally(e -> {
                    if (!String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
                        LOG.warn("cannot create the consumer group: {}", e.toString());
                    }
                    return null;
                });
    }

    /** @return the job, or {@code null} when it does not open (its entry is then finished without an answer) */
    private JobRequest open(StreamMessageId entry, String sealed) {
        unfinished.incrementAndGet();
        try {
            return codec.openRequest(sealed);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropping a job that does not open: {}", e.getMessage());
            finish(entry, null);
            return null;
        }
    }

    private String instanceKey(JobRequest request) {
        return descriptor.persist() ? request.instance() : descriptor.id();
    }

    private void accept(StreamMessageId entry, JobRequest request) {
        String key = instanceKey(request);
        if (JobRequest.CLEANUP.equals(request.control())) {
            Instance instance = instances.get(key);
            if (instance == null) {
                finish(entry, null);
            } else {
                enqueue(instance, new Work(entry, request, null));
            }
            return;
        }
        Instance[] owner = new Instance[1];
        WorkerJob job = new WorkerJob(request, event -> done(entry, event, owner[0]));
        Instance instance;
        try {
            instance = instances.computeIfAbsent(key, k -> new Instance(k, request.actor()));
        } catch (RuntimeException e) {
            job.fail(e);
            return;
        }
        owner[0] = instance;
        Work work = new Work(entry, request, job);
        if (descriptor.persist()) {
            enqueue(instance, work);
        } else {
            start(instance, work);
        }
    }

    private void enqueue(Instance instance, Work work) {
        synchronized (instance) {
            if (instance.busy) {
                instance.waiting.add(work);
                return;
            }
            instance.busy = true;
        }
        start(instance, work);
    }

    /**
     * Runs a job taken from the stream: a verb declared {@link org.sockethub.api.Verb#nonBlocking()}
     * here, on the thread that took it (Redisson's I/O thread, whose connections then carry its
     * answer without waking another thread), anything else on a job thread.
     */
    private void start(Instance instance, Work work) {
        if (work.job() != null && verbs.nonBlocking(work.job().type())) {
            run(instance, work);
        } else {
            executor.execute(() -> run(instance, work));
        }
    }

    private void run(Instance instance, Work work) {
        if (work.job() == null) {
            shutDown(instance, "Error: platform instance was shut down");
            finish(work.entry(), null);
            return;
        }
        WorkerJob job = work.job();
        job.deadline(timers.schedule(() -> expired(instance, job), start.jobTimeoutMs(), TimeUnit.MILLISECONDS));
        if (instance.closed) {
            job.fail("Error: platform instance was shut down");
            return;
        }
        dispatch(instance, job);
    }

    private void dispatch(Instance instance, WorkerJob job) {
        String type = job.type();
        if (descriptor.requireCredentials().contains(type)) {
            if (job.credentials().isEmpty()) {
                job.fail("credentials not found for " + descriptor.id() + ":" + job.actorId());
                return;
            }
            String offered = CredentialsHash.of(job.credentials().get().get("object"));
            if (descriptor.persist() && instance.credentialsHash != null && !instance.credentialsHash.equals(offered)) {
                job.fail("invalid credentials for " + descriptor.id() + ":" + job.actorId());
                return;
            }
            job.onSuccess(() -> {
                if (descriptor.persist()) {
                    instance.credentialsHash = offered;
                }
            });
        } else if (descriptor.persist() && !instance.target.isInitialized()) {
            job.fail(type + " called on uninitialized platform");
            return;
        }
        Method method = verbs.method(type);
        if (method == null) {
            job.fail("platform method " + type + " not available");
            return;
        }
        try {
            method.invoke(instance.target, job);
        } catch (InvocationTargetException e) {
            org.sockethub.launcher.ErrorReporting.report(e.getCause()); // a verb threw: a platform bug
            job.fail(e.getCause());
        } catch (IllegalAccessException | RuntimeException e) {
            org.sockethub.launcher.ErrorReporting.report(e);
            job.fail(e);
        }
    }

    private void expired(Instance instance, WorkerJob job) {
        if (!job.expire()) {
            return;
        }
        LOG.warn("job {} ({}) gave no answer within {} ms", job.id(), job.type(), start.jobTimeoutMs());
        if (descriptor.persist()) {
            shutDown(instance, "Error: platform instance was reset after a job timed out");
        }
    }

    /** Removes an instance, runs its cleanup and fails what was queued behind. */
    private void shutDown(Instance instance, String reason) {
        Queue<Work> orphans;
        synchronized (instance) {
            if (instance.closed) {
                return;
            }
            instance.closed = true;
            orphans = new ArrayDeque<>(instance.waiting);
            instance.waiting.clear();
        }
        instances.remove(instance.key, instance);
        try {
            instance.target.cleanup();
        } catch (RuntimeException e) {
            LOG.warn("cleanup of {} failed: {}", instance.key, e.toString());
        }
        for (Work orphan : orphans) {
            if (orphan.job() != null) {
                orphan.job().fail(reason);
            } else {
                finish(orphan.entry(), null);
            }
        }
    }

    /** A job is over: answer (unless it expired), acknowledge its entry, free its slot, start the next. */
    private void done(StreamMessageId entry, JobEvent event, Instance instance) {
        finish(entry, event);
        if (instance != null && descriptor.persist()) {
            Work next;
            synchronized (instance) {
                next = instance.waiting.poll();
                instance.busy = next != null;
            }
            if (next != null) {
                executor.execute(() -> run(instance, next));
            }
        }
    }

    private void finish(StreamMessageId entry, JobEvent event) {
        String answer = event == null ? "" : codec.seal(event);
        finishInRedis(entry.toString(), answer)
                .whenComplete((ok, error) -> {
                    unfinished.decrementAndGet();
                    if (error != null) {
                        LOG.warn("could not answer job entry {}: {}", entry, error.toString());
                    }
                });
        slots.release();
        read();
    }

    /**
     * The finishing script by its SHA (EVALSHA: Redis neither receives nor hashes its text per job),
     * by its text when Redis does not know it (not loaded yet, or Redis restarted and lost it).
     */
    private CompletableFuture<Object> finishInRedis(String entry, String answer) {
        String sha = finishSha;
        CompletableFuture<Object> finished = sha == null
                ? writer.write(jobsKey, RedisPipeline.EVAL_LONG, JobStreams.FINISH_SCRIPT, 2, jobsKey, eventsKey, entry, answer, JobStreams.GROUP)
                : writer.write(jobsKey, RedisPipeline.EVALSHA_LONG, sha, 2, jobsKey, eventsKey, entry, answer, JobStreams.GROUP);
        return finished.exceptionallyCompose(error -> {
            if (sha == null || !String.valueOf(error).contains("NOSCRIPT")) {
                return CompletableFuture.failedFuture(error);
            }
            loadFinishScript();
            return finishInRedis(entry, answer);
        });
    }

    private void loadFinishScript() {
        finishSha = null;
        scripts.scriptLoadAsync(JobStreams.FINISH_SCRIPT).whenComplete((sha, error) -> {
            if (sha != null) {
                finishSha = sha;
            }
        });
    }

    private void push(String instance, ObjectNode activity) {
        emit(JobEvent.push(descriptor.id(), instance, activity));
    }

    private java.util.concurrent.CompletionStage<Void> rename(Instance instance, ObjectNode credentials) {
        instance.credentialsHash = CredentialsHash.of(credentials.get("object"));
        return emit(JobEvent.rename(descriptor.id(), instance.key, credentials)).thenApply(id -> null);
    }

    /** Puts an event that answers no job (a push, a rename) on the events stream, in order with the answers. */
    private CompletableFuture<Object> emit(JobEvent event) {
        String sealed = codec.seal(event);
        return writer.write(eventsKey, RedisPipeline.XADD, eventsKey, "*", JobStreams.FIELD, sealed);
    }
}
