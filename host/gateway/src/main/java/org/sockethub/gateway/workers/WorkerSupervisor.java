package org.sockethub.gateway.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.sockethub.jobs.WorkerStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forks worker JVMs, watches them, and restarts them when they die: one per platform, or with
 * {@code workers.isolation: per-instance} one per persistent instance (a {@link Lane} each).
 *
 * <p>A worker gets its secrets as the first line on its stdin and exits when that pipe closes,
 * so it never outlives the gateway. It writes control lines to stdout (heartbeats, a fatal
 * error before it dies) and logs to stderr. When it exits or misses heartbeats, every job it had
 * taken is answered with an error and the sessions it served are told through {@code onDeath}.
 * A platform's worker then starts again after a delay ({@link #scheduleRestart}) and the jobs it
 * had not taken wait for it; an instance's own worker is not restarted, since the connection it
 * held is gone with it, and its lane is discarded.
 */
public final class WorkerSupervisor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerSupervisor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BACKOFF_MS = 30_000;
    /** How long a starting worker may take to report ready before it counts as hung. */
    private static final long BOOT_TIMEOUT_MS = 60_000;
    /** A worker that lived this long resets the backoff. */
    private static final long STABLE_MS = 30_000;
    /** How long an instance's worker has to run its cleanup (a QUIT, a logout) before it is stopped. */
    private static final long RETIRE_GRACE_MS = 2_000;

    /** What a supervisor knows about one worker. */
    public record State(String platformId, String lane, long pid, long startedAt, int restarts, boolean alive) {
    }

    /** How to start a platform's workers. */
    private record Template(String bundle, ObjectNode config, int concurrency, boolean isolated) {
    }

    private final WorkerSettings settings;
    private final JobRouter router;
    private final ScheduledExecutorService timers;
    private final BiConsumer<Lane, String> onDeath;
    private final org.sockethub.gateway.ops.Metrics metrics;
    private final Map<String, Template> templates = new LinkedHashMap<>();
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    /** Workers finishing their jobs for new code ({@link #drain}); stopped at once by {@link #close}. */
    private final java.util.Set<Worker> draining = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Numbers every worker this supervisor starts, so no two ever share a consumer name. */
    private final java.util.concurrent.atomic.AtomicLong launches = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledFuture<?> watchdog;
    private volatile boolean closed;

    /**
     * @param settings how to run workers
     * @param router   whose taken jobs to fail when a worker dies
     * @param timers   for restarts and heartbeat checks
     * @param onDeath  told (lane, error text) when a worker dies unexpectedly
     * @param metrics  counts deaths and restarts
     */
    public WorkerSupervisor(WorkerSettings settings, JobRouter router, ScheduledExecutorService timers,
                            BiConsumer<Lane, String> onDeath, org.sockethub.gateway.ops.Metrics metrics) {
        this.metrics = metrics;
        this.settings = settings;
        this.router = router;
        this.timers = timers;
        this.onDeath = onDeath;
        // spec §5.3: either value <= 0 turns the monitor off
        long check = settings.heartbeatMs() > 0 && settings.heartbeatTimeoutMs() > 0 ? Math.max(100, settings.heartbeatMs() / 2) : 0;
        this.watchdog = check > 0 ? timers.scheduleWithFixedDelay(this::checkHeartbeats, check, check, TimeUnit.MILLISECONDS) : null;
    }

    /**
     * Takes on a platform, replacing its workers if it had some: a platform's own worker starts at
     * once; an isolated platform's workers start with each instance ({@link #laneFor}).
     *
     * @param platformId  the platform
     * @param bundle      its bundle location
     * @param config      its merged configuration
     * @param concurrency jobs at once
     * @param isolated    one worker per persistent instance
     */
    public synchronized void start(String platformId, String bundle, ObjectNode config, int concurrency, boolean isolated) {
        drain(platformId, "Error: platform " + platformId + " was replaced");
        templates.put(platformId, new Template(bundle, config, concurrency, isolated));
        if (!isolated) {
            launchLane(Lane.of(platformId));
        }
    }

    /**
     * The lane an instance's jobs go to: its own when its platform is isolated, else the platform's.
     *
     * @param platformId the platform
     * @param handle     the instance
     * @return its lane
     */
    public synchronized Lane laneFor(String platformId, String handle) {
        Template t = templates.get(platformId);
        return t != null && t.isolated() ? Lane.ofInstance(platformId, handle) : Lane.of(platformId);
    }

    /**
     * Starts an isolated instance's worker, the first time its lane is used (jobs sent meanwhile
     * wait in the lane's stream).
     *
     * @param lane the lane
     */
    public synchronized void ensure(Lane lane) {
        if (lane.isolated() && !workers.containsKey(lane.name()) && !closed && templates.containsKey(lane.platformId())) {
            launchLane(lane);
        }
    }

    /**
     * An instance ended: if it had a worker of its own, that worker is given a moment to run the
     * cleanup already queued, then stopped, and its lane discarded.
     *
     * @param lane the instance's lane
     */
    public synchronized void retire(Lane lane) {
        if (!lane.isolated()) {
            return;
        }
        Worker w = workers.remove(lane.name());
        if (w != null) {
            w.stopping = true;
            timers.schedule(w::terminateAsync, RETIRE_GRACE_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops a platform's workers on purpose: no restart, no error message to sessions.
     *
     * @param platformId the platform
     */
    public synchronized void stop(String platformId) {
        for (Worker w : release(platformId, null)) {
            w.terminateAsync();
        }
    }

    /**
     * Forgets a platform and takes its workers off the books: they will not be restarted, and
     * their exit is an intended stop.
     *
     * @return the platform's workers
     */
    private List<Worker> release(String platformId, String stopError) {
        templates.remove(platformId);
        List<Worker> released = new ArrayList<>();
        for (java.util.Iterator<Worker> it = workers.values().iterator(); it.hasNext(); ) {
            Worker w = it.next();
            if (w.lane.platformId().equals(platformId)) {
                it.remove();
                w.stopping = true;
                w.stopError = stopError;
                if (w.restart != null) {
                    w.restart.cancel(false);
                }
                released.add(w);
            }
        }
        return released;
    }

    /**
     * Hands a platform's lanes over to new code: its workers take no more jobs and finish the
     * ones they are running, then exit (no restart, no message to sessions). A job still running
     * after {@code drainTimeoutMs} is answered with {@code error} and the worker is stopped; a job
     * a draining worker read but did not start goes back on the stream for its successor.
     *
     * @param platformId the platform
     * @param error      the answer for jobs that do not finish in time, e.g. {@code Error: platform irc was replaced}
     */
    public synchronized void drain(String platformId, String error) {
        for (Worker w : release(platformId, error)) {
            Process p = w.process;
            if (p == null || !p.isAlive()) {
                continue;
            }
            LOG.info("draining the worker for {} (pid {})", w.lane.name(), p.pid());
            draining.add(w);
            try {
                OutputStream stdin = p.getOutputStream();
                stdin.write((WorkerStart.DRAIN + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                w.terminateAsync();
                continue;
            }
            timers.schedule(() -> {
                if (p.isAlive()) {
                    int failed = router.failTaken(w.lane, w.consumer, error);
                    LOG.warn("the worker for {} did not drain within {} ms; {} job(s) failed", w.lane.name(),
                            settings.drainTimeoutMs(), failed);
                    w.terminateAsync();
                }
            }, settings.drainTimeoutMs(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Starts a platform's workers afresh from the same bundle (an operator's {@code restart}):
     * the old ones drain ({@link #drain}).
     *
     * @param platformId the platform
     * @param error      the answer for jobs that do not finish in time
     * @return whether the platform is known
     */
    public synchronized boolean restart(String platformId, String error) {
        Template t = templates.get(platformId);
        if (t == null) {
            return false;
        }
        drain(platformId, error);
        start(platformId, t.bundle(), t.config(), t.concurrency(), t.isolated());
        return true;
    }

    /** @return every worker's state */
    public synchronized List<State> states() {
        List<State> states = new ArrayList<>();
        for (Worker w : workers.values()) {
            Process p = w.process;
            states.add(new State(w.lane.platformId(), w.lane.name(), p == null ? -1 : p.pid(), w.startedAt, w.restarts,
                    p != null && p.isAlive()));
        }
        return states;
    }

    private void launchLane(Lane lane) {
        Template t = templates.get(lane.platformId());
        Worker w = new Worker(lane, t.bundle(), t.config(), t.concurrency());
        workers.put(lane.name(), w);
        router.open(lane);
        launch(w);
    }

    private void launch(Worker w) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + settings.maxHeapMb() + "m");
        command.add("-XX:+UseSerialGC");
        command.add("-Xss512k");
        command.add("-Dsockethub.worker=" + w.lane.name());
        command.addAll(settings.command());
        w.consumer = w.lane.name() + "-" + settings.nodeId() + "-" + launches.incrementAndGet();
        w.fatal = null;
        w.booted = false;
        w.lastBeat = System.currentTimeMillis();
        w.startedAt = w.lastBeat;
        try {
            // the worker's Felix cache: created and deleted here, since a worker can die without cleaning up;
            // named after this host's pid, so that the next host sweeps it if this one is killed
            w.cache = java.nio.file.Files.createTempDirectory("sockethub-worker-" + ProcessHandle.current().pid() + "-"
                    + w.lane.platformId() + "-");
            Process process = new ProcessBuilder(command).start();
            w.process = process;
            WorkerStart start = new WorkerStart(Base64.getEncoder().encodeToString(settings.key()), settings.redisUrl(),
                    settings.nodeId(), w.lane.platformId(), w.lane.name(), w.bundle, w.config, w.consumer, w.concurrency,
                    settings.heartbeatMs(), settings.jobTimeoutMs(), w.cache.toString(), settings.sentry());
            OutputStream stdin = process.getOutputStream();
            stdin.write((JSON.writeValueAsString(start) + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush(); // stays open: the worker exits when it closes
            w.control = daemon("worker-" + w.lane.name() + "-control", () -> readControl(w, process, process.getInputStream()));
            daemon("worker-" + w.lane.name() + "-log", () -> relayLog(w, process.getErrorStream()));
            process.onExit().thenAccept(p -> exited(w, p));
            LOG.info("worker for {} started (pid {})", w.lane.name(), process.pid());
        } catch (IOException e) {
            LOG.error("cannot start the worker for {}: {}", w.lane.name(), e.toString());
            scheduleRestart(w);
        }
    }

    private void readControl(Worker w, Process process, InputStream stdout) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (w.process != process) {
                    return;
                }
                try {
                    JsonNode msg = JSON.readTree(line);
                    switch (msg.path("type").asText()) {
                        case "heartbeat" -> w.lastBeat = System.currentTimeMillis();
                        case "ready" -> {
                            w.lastBeat = System.currentTimeMillis();
                            w.booted = true;
                        }
                        case "fatal" -> w.fatal = msg.path("error").asText();
                        case "left" -> requeueLeft(w, msg.path("entries"));
                        default -> LOG.info("[{}] {}", w.lane.name(), line);
                    }
                } catch (IOException notJson) {
                    LOG.info("[{}] {}", w.lane.name(), line);
                }
            }
        } catch (IOException ignored) {
            // the worker is gone
        }
    }

    /** A draining worker read jobs it will not run: they go back on the stream for its successor. */
    private void requeueLeft(Worker w, JsonNode entries) {
        List<org.redisson.api.stream.StreamMessageId> ids = new ArrayList<>();
        for (JsonNode id : entries) {
            String[] parts = id.asText().split("-");
            ids.add(new org.redisson.api.stream.StreamMessageId(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
        }
        int requeued = router.requeue(w.lane, ids);
        LOG.info("{} job(s) read by the draining worker for {} went back to its stream", requeued, w.lane.name());
    }

    private void relayLog(Worker w, InputStream stderr) {
        Logger log = LoggerFactory.getLogger("org.sockethub.worker." + w.lane.name());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.info(line);
            }
        } catch (IOException ignored) {
            // the worker is gone
        }
    }

    private void exited(Worker w, Process process) {
        if (w.process != process) {
            return;
        }
        try {
            handleExit(w, process);
        } catch (RuntimeException e) {
            LOG.error("after the worker for {} exited: {}", w.lane.name(), e.toString());
            synchronized (this) {
                if (workers.get(w.lane.name()) == w && !w.stopping && !closed) {
                    scheduleRestart(w);
                }
            }
        } finally {
            draining.remove(w);
            deleteTree(w.cache);
        }
    }

    private void handleExit(Worker w, Process process) {
        Thread control = w.control;
        if (control != null) {
            try {
                control.join(2000); // its last line may be the fatal error that explains the exit
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int code = process.exitValue();
        if (w.stopping || closed) {
            LOG.info("worker for {} stopped (exit {})", w.lane.name(), code);
            String stopped = w.stopError != null ? w.stopError : "Error: platform " + w.lane.platformId() + " stopped";
            if (hasSuccessor(w)) {
                // drained for new code: what it read but did not start was sent for the new worker
                int requeued = router.requeueTaken(w.lane, w.consumer);
                if (requeued > 0) {
                    LOG.info("{} job(s) taken by the old worker for {} while it stopped went to its successor", requeued, w.lane.name());
                }
                return;
            }
            router.failTaken(w.lane, w.consumer, stopped);
            if (w.lane.isolated()) {
                router.discard(w.lane, stopped);
            } else if (!closed && !hasTemplate(w.lane.platformId())) {
                // drained and no new code came: the jobs queued for it will never run
                router.failAll(w.lane.platformId(), stopped);
            }
            return;
        }
        String reason = w.fatal != null ? w.fatal : "Error: session thread closed unexpectedly: " + code;
        int failed = router.failTaken(w.lane, w.consumer, reason);
        LOG.warn("worker for {} died (exit {}, {}); {} job(s) failed", w.lane.name(), code, reason, failed);
        metrics.workerDied(w.lane.platformId());
        if (w.lane.isolated()) {
            synchronized (this) {
                workers.remove(w.lane.name(), w);
            }
            router.discard(w.lane, reason);
        }
        onDeath.accept(w.lane, reason);
        synchronized (this) {
            if (workers.get(w.lane.name()) == w) {
                scheduleRestart(w);
            }
        }
    }

    private synchronized boolean hasTemplate(String platformId) {
        return templates.containsKey(platformId);
    }

    /** @return whether another worker now serves this worker's lane (its platform was replaced) */
    private synchronized boolean hasSuccessor(Worker w) {
        Worker current = workers.get(w.lane.name());
        return !closed && current != null && current != w;
    }

    /**
     * A worker that booted (reported ready) and then died was killed by what it ran, not by its
     * start: it comes back after the base delay. One that dies before it is ready is in a start
     * loop (a broken bundle, no Redis): the delay doubles up to 30 s.
     */
    private void scheduleRestart(Worker w) {
        long lived = System.currentTimeMillis() - w.startedAt;
        boolean healthy = w.booted || lived > STABLE_MS;
        w.backoffMs = healthy || w.backoffMs == 0 ? settings.restartBackoffMs() : Math.min(MAX_BACKOFF_MS, w.backoffMs * 2);
        w.restarts++;
        LOG.info("restarting the worker for {} in {} ms", w.lane.name(), w.backoffMs);
        w.restart = timers.schedule(() -> {
            synchronized (this) {
                if (workers.get(w.lane.name()) == w && !closed) {
                    metrics.workerRestarted(w.lane.platformId());
                    launch(w);
                }
            }
        }, w.backoffMs, TimeUnit.MILLISECONDS);
    }

    private void checkHeartbeats() {
        long now = System.currentTimeMillis();
        List<Worker> silent = new ArrayList<>();
        synchronized (this) {
            for (Worker w : workers.values()) {
                Process p = w.process;
                // until it reports ready a worker is booting (its JVM, Felix, its bundle), which on a
                // busy machine with several workers starting at once can take longer than a
                // heartbeat timeout: it gets BOOT_TIMEOUT_MS for that instead of being killed in a loop
                long limit = w.booted ? settings.heartbeatTimeoutMs() : Math.max(settings.heartbeatTimeoutMs(), BOOT_TIMEOUT_MS);
                if (p != null && p.isAlive() && now - w.lastBeat > limit) {
                    silent.add(w);
                }
            }
        }
        for (Worker w : silent) {
            w.fatal = w.booted ? "Error: platform worker stopped responding (no heartbeat for " + settings.heartbeatTimeoutMs() + " ms)"
                    : "Error: platform worker did not start within " + Math.max(settings.heartbeatTimeoutMs(), BOOT_TIMEOUT_MS) + " ms";
            LOG.warn("worker for {} missed its heartbeats; killing pid {}", w.lane.name(), w.process.pid());
            w.process.destroyForcibly();
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void deleteTree(java.nio.file.Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        List<java.util.concurrent.CompletableFuture<?>> exits = new ArrayList<>();
        synchronized (this) {
            closed = true;
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            for (Worker w : workers.values()) {
                w.stopping = true;
                if (w.restart != null) {
                    w.restart.cancel(false);
                }
                exits.add(w.terminateAsync());
            }
            draining.forEach(w -> exits.add(w.terminateAsync()));
            workers.clear();
            templates.clear();
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(exits.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
                    .get(4, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("workers still stopping: {}", e.toString());
        }
    }

    private static final class Worker {
        final Lane lane;
        final String bundle;
        final ObjectNode config;
        final int concurrency;
        volatile Process process;
        volatile String consumer;
        volatile String fatal;
        volatile long lastBeat;
        volatile long startedAt;
        volatile boolean stopping;
        /** The answer for jobs cut off by an intended stop, e.g. {@code Error: platform irc was replaced}. */
        volatile String stopError;
        volatile boolean booted;
        volatile Thread control;
        volatile java.nio.file.Path cache;
        int restarts;
        long backoffMs;
        ScheduledFuture<?> restart;

        Worker(Lane lane, String bundle, ObjectNode config, int concurrency) {
            this.lane = lane;
            this.bundle = bundle;
            this.config = config;
            this.concurrency = concurrency;
        }

        /** Closes the worker's stdin (it exits on EOF); kills it if it is still there 3 s later. */
        java.util.concurrent.CompletableFuture<?> terminateAsync() {
            Process p = process;
            if (p == null) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // already closed
            }
            return p.onExit().orTimeout(3, TimeUnit.SECONDS).exceptionally(late -> {
                p.destroyForcibly();
                return p;
            });
        }
    }
}
