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
import org.sockethub.jobs.WorkerGroups;
import org.sockethub.jobs.WorkerJvm;
import org.sockethub.jobs.WorkerStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forks worker JVMs, watches them, and restarts them when they die. A worker runs one platform,
 * or a group of platforms ({@code workers.groups}: by default the stateless dummy, feeds and
 * metadata share one JVM), each platform reading its own {@link Lane}; with
 * {@code workers.isolation: per-instance} each persistent instance gets a worker of its own.
 *
 * <p>A worker starts when its platforms are first used, or with the gateway when one of them is
 * in {@code workers.prewarm}; jobs sent meanwhile wait in their streams. Once started, it is kept
 * running: restarted after a death, and handed over to a fresh worker when its platforms change
 * (one of them replaced, added or removed: the old worker drains, see {@link #drain}).
 *
 * <p>A worker gets its secrets as the first line on its stdin and exits when that pipe closes,
 * so it never outlives the gateway. It writes control lines to stdout (heartbeats, a fatal
 * error before it dies) and logs to stderr. When it exits or misses heartbeats, every job it had
 * taken, in each of its lanes, is answered with an error and the sessions it served are told
 * through {@code onDeath}. Its platforms' worker then starts again after a delay
 * ({@link #scheduleRestart}) and the jobs it had not taken wait for it; an instance's own worker
 * is not restarted, since the connection it held is gone with it, and its lane is discarded.
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
    /** How long a prewarmed group's worker waits for the rest of its configured platforms to register before it starts without them. */
    private static final long BOOT_SETTLE_MS = 3_000;
    /** How long the rest of a group waits for a replaced platform's new code before its new worker starts without it. */
    private static final long HANDOVER_SETTLE_MS = 200;

    /** What a supervisor knows about one lane's worker. */
    public record State(String platformId, String lane, long pid, long startedAt, int restarts, boolean alive) {
    }

    /** How to start a platform's workers. */
    private record Template(String bundle, ObjectNode config, int concurrency, boolean isolated) {
    }

    private final WorkerSettings settings;
    private final JobRouter router;
    private final ScheduledExecutorService timers;
    private final BiConsumer<Lane, String> onDeath;
    private final BiConsumer<Lane, String> onHandover;
    private final org.sockethub.gateway.ops.Metrics metrics;
    private final Map<String, Template> templates = new LinkedHashMap<>();
    /** The current worker of each group or ungrouped platform (by {@link WorkerGroups#keyOf key}) and of each isolated instance (by lane name). */
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    /** Lane names a current worker serves: {@link #ensure} reads it without the lock, on every job. */
    private final java.util.Set<String> served = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Keys of groups and platforms that were started and are kept running. */
    private final java.util.Set<String> wanted = new java.util.HashSet<>();
    /** Starts scheduled for a moment later, by key ({@link #launchSoon}). */
    private final Map<String, ScheduledFuture<?>> pendingLaunches = new java.util.HashMap<>();
    /** Workers finishing their jobs before they leave ({@link #drain}); stopped at once by {@link #close}. */
    private final java.util.Set<Worker> draining = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Numbers every worker this supervisor starts, so no two ever share a consumer name. */
    private final java.util.concurrent.atomic.AtomicLong launches = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledFuture<?> watchdog;
    private final ScheduledFuture<?> idleCheck;
    /** Whether a platform has persistent instances (their connections live in its worker). */
    private final java.util.function.Predicate<String> hasInstances;
    /** When each lane last got a job ({@link #ensure}), in ms. */
    private final Map<String, Long> lastUse = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param settings   how to run workers
     * @param router     whose taken jobs to fail when a worker dies
     * @param timers     for restarts and heartbeat checks
     * @param onDeath    told (lane, error text) for each lane of a worker that died unexpectedly
     * @param onHandover told (lane, error text) for each lane of a worker that was handed over to a
     *                   new one because another platform of its group changed: the instances it
     *                   held end with it
     * @param hasInstances whether a platform has persistent instances (an idle worker holding
     *                   none is stopped after {@code workers.idleStopMs})
     * @param metrics    counts deaths and restarts
     */
    public WorkerSupervisor(WorkerSettings settings, JobRouter router, ScheduledExecutorService timers,
                            BiConsumer<Lane, String> onDeath, BiConsumer<Lane, String> onHandover,
                            java.util.function.Predicate<String> hasInstances, org.sockethub.gateway.ops.Metrics metrics) {
        this.hasInstances = hasInstances;
        this.metrics = metrics;
        this.settings = settings;
        this.router = router;
        this.timers = timers;
        this.onDeath = onDeath;
        this.onHandover = onHandover;
        // spec §5.3: either value <= 0 turns the monitor off
        long check = settings.heartbeatMs() > 0 && settings.heartbeatTimeoutMs() > 0 ? Math.max(100, settings.heartbeatMs() / 2) : 0;
        this.watchdog = check > 0 ? timers.scheduleWithFixedDelay(this::checkHeartbeats, check, check, TimeUnit.MILLISECONDS) : null;
        long idle = settings.idleStopMs();
        long every = Math.max(100, Math.min(5_000, idle / 4));
        this.idleCheck = idle > 0 ? timers.scheduleWithFixedDelay(this::stopIdle, every, every, TimeUnit.MILLISECONDS) : null;
    }

    /**
     * Takes on a platform, replacing its code if it had some. Its worker starts now if its group's
     * worker was running (that worker hands over to one that runs this platform too), with the
     * gateway if it is prewarmed, and otherwise on first use ({@link #ensure}); an isolated
     * platform's workers start with each instance.
     *
     * @param platformId  the platform
     * @param bundle      its bundle location
     * @param config      its merged configuration
     * @param concurrency jobs at once
     * @param isolated    one worker per persistent instance
     */
    public synchronized void start(String platformId, String bundle, ObjectNode config, int concurrency, boolean isolated) {
        if (templates.containsKey(platformId)) {
            drain(platformId, "Error: platform " + platformId + " was replaced");
        }
        templates.put(platformId, new Template(bundle, config, concurrency, isolated));
        if (closed) {
            return;
        }
        String key = settings.groups().keyOf(platformId);
        Worker current = workers.get(key);
        if (!isolated) {
            router.open(Lane.of(platformId));
            if (current != null) {
                // its group's worker runs without it: a new one takes over, with it
                handOver(current, null, null);
                launchUnit(key);
                return;
            }
        }
        // an isolated platform of a group runs in workers of its own, but counts as registered: the
        // group's worker waits for what is still to come, not for it
        if (current == null && !members(key).isEmpty() && (wanted.contains(key) || settings.groups().prewarmed(platformId))) {
            wanted.add(key);
            if (settings.groups().configuredWith(platformId).stream().allMatch(templates::containsKey)) {
                launchUnit(key);
            } else {
                launchSoon(key, BOOT_SETTLE_MS); // the rest of its group may be registering right now
            }
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
     * Makes sure a lane has a worker: starts its platform's (or group's, or isolated instance's)
     * worker the first time the lane is used. Jobs sent meanwhile wait in the lane's stream. Cheap
     * once the worker runs: it is called for every job.
     *
     * @param lane the lane
     */
    public void ensure(Lane lane) {
        lastUse.put(lane.name(), System.currentTimeMillis());
        if (served.contains(lane.name())) {
            return;
        }
        synchronized (this) {
            Template t = templates.get(lane.platformId());
            if (closed || t == null || served.contains(lane.name())) {
                return;
            }
            if (lane.isolated()) {
                if (!workers.containsKey(lane.name())) {
                    Worker w = new Worker(lane.name(), lane);
                    workers.put(lane.name(), w);
                    launch(w);
                }
                return;
            }
            String key = settings.groups().keyOf(lane.platformId());
            wanted.add(key);
            Worker current = workers.get(key);
            if (current != null) {
                // started before this platform registered: hand over now rather than after the settle time
                handOver(current, null, null);
            }
            launchUnit(key);
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
            served.remove(lane.name());
            w.stopping = true;
            timers.schedule(() -> w.terminateAsync(settings.stopGraceMs()), RETIRE_GRACE_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops a platform on purpose (it was removed): its instances' workers stop, no error message
     * to sessions. If it shared a worker with others, that worker hands over to one without it.
     *
     * @param platformId the platform
     */
    public synchronized void stop(String platformId) {
        boolean isolated = templates.containsKey(platformId) && templates.get(platformId).isolated();
        templates.remove(platformId);
        for (Worker w : isolatedWorkersOf(platformId)) {
            release(w, null);
            w.terminateAsync(settings.stopGraceMs());
        }
        String key = settings.groups().keyOf(platformId);
        Worker current = isolated ? null : workers.get(key);
        if (current != null && current.servesPlatform(platformId)) {
            if (members(key).isEmpty()) {
                release(current, null);
                current.terminateAsync(settings.stopGraceMs());
                wanted.remove(key);
            } else {
                handOver(current, platformId, "Error: platform " + platformId + " stopped");
                launchSoon(key, HANDOVER_SETTLE_MS);
            }
        } else if (members(key).isEmpty()) {
            wanted.remove(key);
        }
    }

    /**
     * Hands a platform's workers over to new code: they take no more jobs and finish the ones
     * they are running, then exit (no restart, no message to sessions of this platform). A job
     * still running after {@code drainTimeoutMs} is answered with {@code error} and the worker is
     * stopped; a job a draining worker read but did not start goes back on the stream for its
     * successor. Other platforms of the same group get a new worker a moment later.
     *
     * @param platformId the platform
     * @param error      the answer for jobs that do not finish in time, e.g. {@code Error: platform irc was replaced}
     */
    public synchronized void drain(String platformId, String error) {
        Template t = templates.remove(platformId);
        for (Worker w : isolatedWorkersOf(platformId)) {
            release(w, error);
            drainProcess(w, lane -> error);
        }
        String key = settings.groups().keyOf(platformId);
        Worker current = t != null && t.isolated() ? null : workers.get(key);
        if (current != null && current.servesPlatform(platformId)) {
            handOver(current, platformId, error);
            if (!members(key).isEmpty()) {
                launchSoon(key, HANDOVER_SETTLE_MS);
            }
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

    /** @return every lane's worker state (a worker running a group appears once per platform) */
    public synchronized List<State> states() {
        List<State> states = new ArrayList<>();
        for (Worker w : workers.values()) {
            Process p = w.process;
            for (Lane lane : w.lanes) {
                states.add(new State(lane.platformId(), lane.name(), p == null ? -1 : p.pid(), w.startedAt, w.restarts,
                        p != null && p.isAlive()));
            }
        }
        return states;
    }

    /** The registered platforms that a group's (or platform's) worker runs, in the group's configured order. */
    private List<String> members(String key) {
        List<String> members = new ArrayList<>();
        templates.forEach((id, t) -> {
            if (!t.isolated() && settings.groups().keyOf(id).equals(key)) {
                members.add(id);
            }
        });
        if (members.size() > 1) { // in the group's configured order, as the launcher names a worker it starts ahead
            List<String> order = settings.groups().configuredWith(members.get(0));
            members.sort(java.util.Comparator.comparingInt(order::indexOf));
        }
        return members;
    }

    private List<Worker> isolatedWorkersOf(String platformId) {
        return workers.values().stream().filter(w -> w.isolated && w.lanes.get(0).platformId().equals(platformId)).toList();
    }

    /** Takes a worker off the books: it is not restarted, and its exit is an intended stop. */
    private void release(Worker w, String stopError) {
        workers.remove(w.key, w);
        w.lanes.forEach(lane -> served.remove(lane.name()));
        w.stopping = true;
        w.stopError = stopError;
        if (w.restart != null) {
            w.restart.cancel(false);
        }
    }

    /**
     * A group's worker is replaced because its platforms changed: it drains, and its successor
     * takes its lanes. The instances it held end with it: their sessions are told
     * ({@code onHandover}), except those of the platform that changed, whose own news they get.
     *
     * @param w            the worker
     * @param changed      the platform that was replaced or removed, or {@code null} (one was added)
     * @param changedError the answer for that platform's jobs that do not finish in time
     */
    private void handOver(Worker w, String changed, String changedError) {
        java.util.function.Function<Lane, String> errors = lane -> lane.platformId().equals(changed) ? changedError
                : "Error: platform " + lane.platformId() + " was restarted";
        release(w, changedError);
        drainProcess(w, errors);
        for (Lane lane : w.lanes) {
            if (!lane.platformId().equals(changed)) {
                onHandover.accept(lane, errors.apply(lane));
            }
        }
    }

    /** Starts a group's worker a moment from now, unless one starts before. */
    private void launchSoon(String key, long delayMs) {
        if (closed || pendingLaunches.containsKey(key)) {
            return;
        }
        pendingLaunches.put(key, timers.schedule(() -> {
            synchronized (this) {
                pendingLaunches.remove(key);
                if (!workers.containsKey(key) && !closed) {
                    launchUnit(key);
                }
            }
        }, delayMs, TimeUnit.MILLISECONDS));
    }

    /** Starts the worker of a group or ungrouped platform, with its registered platforms. */
    private void launchUnit(String key) {
        ScheduledFuture<?> pending = pendingLaunches.remove(key);
        if (pending != null) {
            pending.cancel(false);
        }
        if (closed || members(key).isEmpty()) {
            return;
        }
        wanted.add(key);
        Worker w = new Worker(key, null);
        workers.put(key, w);
        launch(w);
    }

    /**
     * Tells a worker to drain, and stops it if it has not finished within the drain timeout.
     *
     * @param errors the answer, by lane, for jobs still running then
     */
    private void drainProcess(Worker w, java.util.function.Function<Lane, String> errors) {
        Process p = w.process;
        if (p == null || !p.isAlive()) {
            return;
        }
        LOG.info("draining the worker for {} (pid {})", w.name, p.pid());
        draining.add(w);
        try {
            OutputStream stdin = p.getOutputStream();
            stdin.write((WorkerStart.DRAIN + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            w.terminateAsync(settings.stopGraceMs());
            return;
        }
        timers.schedule(() -> {
            if (p.isAlive()) {
                int failed = 0;
                for (Lane lane : w.lanes) {
                    failed += router.failTaken(lane, w.consumer, errors.apply(lane));
                }
                LOG.warn("the worker for {} did not drain within {} ms; {} job(s) failed", w.name,
                        settings.drainTimeoutMs(), failed);
                w.terminateAsync(settings.stopGraceMs());
            }
        }, settings.drainTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    /** (Re)starts a worker's process, with the platforms its group has now. */
    private void launch(Worker w) {
        List<WorkerStart.Member> members = new ArrayList<>();
        if (w.isolated) {
            Lane lane = w.lanes.get(0);
            Template t = templates.get(lane.platformId());
            members.add(new WorkerStart.Member(lane.platformId(), lane.name(), t.bundle(), t.config(), t.concurrency()));
        } else {
            List<Lane> lanes = new ArrayList<>();
            for (String id : members(w.key)) {
                Template t = templates.get(id);
                lanes.add(Lane.of(id));
                members.add(new WorkerStart.Member(id, id, t.bundle(), t.config(), t.concurrency()));
            }
            if (lanes.isEmpty()) {
                workers.remove(w.key, w);
                return;
            }
            w.lanes.forEach(lane -> served.remove(lane.name()));
            w.lanes = List.copyOf(lanes);
            w.name = String.join("+", members(w.key));
            lanes.forEach(router::open);
        }
        w.lanes.forEach(lane -> served.add(lane.name()));
        List<String> command = WorkerJvm.command(settings.maxHeapMb(), settings.command(), settings.javaOptions(),
                w.isolated ? w.lanes.get(0).platformId() : w.name, w.name);
        w.consumer = w.name + "-" + settings.nodeId() + "-" + launches.incrementAndGet();
        w.fatal = null;
        w.booted = false;
        w.lastBeat = System.currentTimeMillis();
        w.startedAt = w.lastBeat;
        try {
            // a worker the launcher started ahead, with this very command, has booted meanwhile
            Process process = settings.spares().apply(command);
            if (process == null) {
                ProcessBuilder builder = new ProcessBuilder(command);
                WorkerJvm.environment(builder.environment());
                process = builder.start();
            } else {
                LOG.debug("the worker for {} was started ahead (pid {})", w.name, process.pid());
            }
            w.process = process;
            WorkerStart start = new WorkerStart(Base64.getEncoder().encodeToString(settings.key()), settings.redis(),
                    settings.nodeId(), w.name, members, w.consumer, settings.heartbeatMs(), settings.jobTimeoutMs(),
                    settings.sentry());
            OutputStream stdin = process.getOutputStream();
            stdin.write((JSON.writeValueAsString(start) + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush(); // stays open: the worker exits when it closes
            Process running = process;
            w.control = daemon("worker-" + w.name + "-control", () -> readControl(w, running, running.getInputStream()));
            daemon("worker-" + w.name + "-log", () -> relayLog(w, running.getErrorStream()));
            process.onExit().thenAccept(exitedProcess -> exited(w, running));
            LOG.info("worker for {} started (pid {})", w.name, process.pid());
        } catch (IOException e) {
            LOG.error("cannot start the worker for {}: {}", w.name, e.toString());
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
                        case "left" -> requeueLeft(w, msg.path("lane").asText(), msg.path("entries"));
                        default -> LOG.info("[{}] {}", w.name, line);
                    }
                } catch (IOException notJson) {
                    LOG.info("[{}] {}", w.name, line);
                }
            }
        } catch (IOException ignored) {
            // the worker is gone
        }
    }

    /** A draining worker read jobs it will not run: they go back on their stream for its successor. */
    private void requeueLeft(Worker w, String laneName, JsonNode entries) {
        Lane lane = w.lanes.stream().filter(l -> l.name().equals(laneName)).findFirst().orElse(null);
        if (lane == null) {
            LOG.warn("the worker for {} left jobs of a lane it does not serve: {}", w.name, laneName);
            return;
        }
        List<org.redisson.api.stream.StreamMessageId> ids = new ArrayList<>();
        for (JsonNode id : entries) {
            String[] parts = id.asText().split("-");
            ids.add(new org.redisson.api.stream.StreamMessageId(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
        }
        int requeued = router.requeue(lane, ids);
        LOG.info("{} job(s) read by the draining worker for {} went back to its stream", requeued, lane.name());
    }

    private void relayLog(Worker w, InputStream stderr) {
        Logger log = LoggerFactory.getLogger("org.sockethub.worker." + w.name);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                relayLine(log, w.name, line);
            }
        } catch (IOException ignored) {
            // the worker is gone
        }
    }

    private static final java.util.regex.Pattern WORKER_LINE = java.util.regex.Pattern.compile("(TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - (.*)", java.util.regex.Pattern.DOTALL);

    /**
     * One line of a worker's stderr at the level the worker logged it, under the worker's name
     * once: "LEVEL name - text" (the worker's own logger) becomes "text", "LEVEL Other - text" (a
     * platform's logger) "Other - text"; anything else (a JVM message, a stack trace) as it is.
     */
    static void relayLine(Logger log, String worker, String line) {
        java.util.regex.Matcher m = WORKER_LINE.matcher(line);
        if (!m.matches()) {
            log.info(line);
            return;
        }
        String text = m.group(2).equals(worker) ? m.group(3) : m.group(2) + " - " + m.group(3);
        switch (m.group(1)) {
            case "ERROR" -> log.error(text);
            case "WARN" -> log.warn(text);
            case "DEBUG" -> log.debug(text);
            case "TRACE" -> log.trace(text);
            default -> log.info(text);
        }
    }

    private void exited(Worker w, Process process) {
        if (w.process != process) {
            return;
        }
        try {
            handleExit(w, process);
        } catch (RuntimeException e) {
            LOG.error("after the worker for {} exited: {}", w.name, e.toString());
            synchronized (this) {
                if (workers.get(w.key) == w && !w.stopping && !closed) {
                    scheduleRestart(w);
                }
            }
        } finally {
            draining.remove(w);
            deleteTree(WorkerStart.cacheDir(ProcessHandle.current().pid(), process.pid()));
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
        List<Lane> lanes = w.lanes;
        if (closed) {
            LOG.info("worker for {} stopped (exit {})", w.name, code);
            return; // the gateway is stopping: its router and Redis client go with it
        }
        if (w.stopping) {
            LOG.info("worker for {} stopped (exit {})", w.name, code);
            for (Lane lane : lanes) {
                String stopped = w.stopError != null ? w.stopError : "Error: platform " + lane.platformId() + " stopped";
                if (hasSuccessor(w, lane)) {
                    // drained for new code: what it read but did not start was sent for the new worker
                    int requeued = router.requeueTaken(lane, w.consumer);
                    if (requeued > 0) {
                        LOG.info("{} job(s) taken by the old worker for {} while it stopped went to its successor", requeued, lane.name());
                    }
                    continue;
                }
                router.failTaken(lane, w.consumer, stopped);
                if (lane.isolated()) {
                    router.discard(lane, stopped);
                } else if (!closed && !hasTemplate(lane.platformId())) {
                    // drained and no new code came: the jobs queued for it will never run
                    router.failAll(lane.platformId(), stopped);
                }
            }
            return;
        }
        String reason = w.fatal != null ? w.fatal : "Error: session thread closed unexpectedly: " + code;
        int failed = 0;
        for (Lane lane : lanes) {
            failed += router.failTaken(lane, w.consumer, reason);
        }
        LOG.warn("worker for {} died (exit {}, {}); {} job(s) failed", w.name, code, reason, failed);
        for (Lane lane : lanes) {
            metrics.workerDied(lane.platformId());
        }
        if (w.isolated) {
            synchronized (this) {
                if (workers.remove(w.key, w)) {
                    served.remove(w.key);
                }
            }
            router.discard(lanes.get(0), reason);
        }
        for (Lane lane : lanes) {
            onDeath.accept(lane, reason);
        }
        synchronized (this) {
            if (workers.get(w.key) == w) {
                scheduleRestart(w);
            }
        }
    }

    private synchronized boolean hasTemplate(String platformId) {
        return templates.containsKey(platformId);
    }

    /**
     * @return whether another worker serves, or is about to serve, this worker's lane (its
     *         platform was replaced, or its group changed)
     */
    private synchronized boolean hasSuccessor(Worker w, Lane lane) {
        if (closed) {
            return false;
        }
        String key = lane.isolated() ? lane.name() : settings.groups().keyOf(lane.platformId());
        Worker current = workers.get(key);
        return current != null && current != w || !lane.isolated() && pendingLaunches.containsKey(key);
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
        LOG.info("restarting the worker for {} in {} ms", w.name, w.backoffMs);
        w.restart = timers.schedule(() -> {
            synchronized (this) {
                if (workers.get(w.key) == w && !closed) {
                    w.lanes.forEach(lane -> metrics.workerRestarted(lane.platformId()));
                    launch(w);
                }
            }
        }, w.backoffMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops workers that started on first use and have been idle for {@code workers.idleStopMs}:
     * no job for that long, none in flight, and no persistent instance of their platforms. They
     * drain (a job that arrives meanwhile goes to the next worker) and start again on next use.
     */
    private void stopIdle() {
        long now = System.currentTimeMillis();
        Map<String, Integer> inFlight = router.inFlightByLane();
        synchronized (this) {
            for (Worker w : List.copyOf(workers.values())) {
                if (w.isolated || w.process == null || !w.booted || closed
                        || settings.groups().prewarmed(w.lanes.get(0).platformId())) {
                    continue;
                }
                boolean idle = now - w.startedAt > settings.idleStopMs();
                for (Lane lane : w.lanes) {
                    idle &= now - lastUse.getOrDefault(lane.name(), 0L) > settings.idleStopMs()
                            && inFlight.getOrDefault(lane.name(), 0) == 0 && !hasInstances.test(lane.platformId());
                }
                if (idle) {
                    LOG.info("worker for {} idle for {} ms; stopping it (it starts again when next used)", w.name,
                            settings.idleStopMs());
                    wanted.remove(w.key);
                    release(w, "Error: platform worker stopped while idle");
                    drainProcess(w, lane -> "Error: platform worker stopped while idle");
                }
            }
        }
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
            LOG.warn("worker for {} missed its heartbeats; killing pid {}", w.name, w.process.pid());
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
            if (idleCheck != null) {
                idleCheck.cancel(false);
            }
            for (Worker w : workers.values()) {
                w.stopping = true;
                if (w.restart != null) {
                    w.restart.cancel(false);
                }
                exits.add(w.terminateAsync(settings.stopGraceMs()));
            }
            draining.forEach(w -> exits.add(w.terminateAsync(settings.stopGraceMs())));
            if (!exits.isEmpty()) {
                LOG.info("stopping {} worker(s): each gets up to {} ms to end its connections", exits.size(), settings.stopGraceMs());
            }
            pendingLaunches.values().forEach(f -> f.cancel(false));
            pendingLaunches.clear();
            workers.clear();
            served.clear();
            templates.clear();
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(exits.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
                    .get(settings.stopGraceMs() + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("workers still stopping: {}", e.toString());
        }
    }

    private static final class Worker {
        /** Its group's or platform's key, or an isolated instance's lane name. */
        final String key;
        final boolean isolated;
        /** The lanes it reads: an isolated instance's, or those of its group's registered platforms at launch. */
        volatile List<Lane> lanes;
        /** Its name in logs: the lane, or the platforms joined by {@code +}. */
        volatile String name;
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
        int restarts;
        long backoffMs;
        ScheduledFuture<?> restart;

        /**
         * @param key  its key
         * @param lane an isolated instance's lane, or {@code null} for a group's or platform's worker
         */
        Worker(String key, Lane lane) {
            this.key = key;
            this.isolated = lane != null;
            this.lanes = lane == null ? List.of() : List.of(lane);
            this.name = lane == null ? key : lane.name();
        }

        boolean servesPlatform(String platformId) {
            return lanes.stream().anyMatch(l -> l.platformId().equals(platformId));
        }

        /** Closes the worker's stdin (it exits on EOF); kills it if it is still there {@code graceMs} later. */
        java.util.concurrent.CompletableFuture<?> terminateAsync(long graceMs) {
            Process p = process;
            if (p == null) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // already closed
            }
            return p.onExit().orTimeout(graceMs, TimeUnit.MILLISECONDS).exceptionally(late -> {
                p.destroyForcibly();
                return p;
            });
        }
    }
}
