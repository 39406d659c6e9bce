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
 * Forks one worker JVM per platform, watches it, and restarts it when it dies.
 *
 * <p>A worker gets its secrets as the first line on its stdin and exits when that pipe closes,
 * so it never outlives the gateway. It writes control lines to stdout (heartbeats, a fatal
 * error before it dies) and logs to stderr. When it exits or misses heartbeats, every job it had
 * taken is answered with an error, the platform's sessions are told through {@code onDeath},
 * and a new worker starts after a delay ({@link #scheduleRestart}). Jobs it had not taken wait
 * for the new one.
 */
public final class WorkerSupervisor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerSupervisor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BACKOFF_MS = 30_000;
    /** A worker that lived this long resets the backoff. */
    private static final long STABLE_MS = 30_000;

    /** What a supervisor knows about one platform's worker. */
    public record State(String platformId, long pid, long startedAt, int restarts, boolean alive) {
    }

    private final WorkerSettings settings;
    private final JobRouter router;
    private final ScheduledExecutorService timers;
    private final BiConsumer<String, String> onDeath;
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    /** Numbers every worker this supervisor starts, so no two ever share a consumer name. */
    private final java.util.concurrent.atomic.AtomicLong launches = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledFuture<?> watchdog;
    private volatile boolean closed;

    /**
     * @param settings how to run workers
     * @param router   whose taken jobs to fail when a worker dies
     * @param timers   for restarts and heartbeat checks
     * @param onDeath  told (platform id, error text) when a worker dies unexpectedly
     */
    public WorkerSupervisor(WorkerSettings settings, JobRouter router, ScheduledExecutorService timers,
                            BiConsumer<String, String> onDeath) {
        this.settings = settings;
        this.router = router;
        this.timers = timers;
        this.onDeath = onDeath;
        // spec §5.3: either value <= 0 turns the monitor off
        long check = settings.heartbeatMs() > 0 && settings.heartbeatTimeoutMs() > 0 ? Math.max(100, settings.heartbeatMs() / 2) : 0;
        this.watchdog = check > 0 ? timers.scheduleWithFixedDelay(this::checkHeartbeats, check, check, TimeUnit.MILLISECONDS) : null;
    }

    /**
     * Starts (or restarts with new code) the worker of a platform.
     *
     * @param platformId  the platform
     * @param bundle      its bundle location
     * @param config      its merged configuration
     * @param concurrency jobs at once
     */
    public synchronized void start(String platformId, String bundle, ObjectNode config, int concurrency) {
        stop(platformId);
        Worker w = new Worker(platformId, bundle, config, concurrency);
        workers.put(platformId, w);
        router.open(platformId);
        launch(w);
    }

    /**
     * Stops a platform's worker on purpose: no restart, no error message to sessions.
     *
     * @param platformId the platform
     */
    public synchronized void stop(String platformId) {
        Worker w = workers.remove(platformId);
        if (w != null) {
            w.stopping = true;
            if (w.restart != null) {
                w.restart.cancel(false);
            }
            w.terminate();
        }
    }

    /** @return every worker's state */
    public synchronized List<State> states() {
        List<State> states = new ArrayList<>();
        for (Worker w : workers.values()) {
            Process p = w.process;
            states.add(new State(w.platformId, p == null ? -1 : p.pid(), w.startedAt, w.restarts, p != null && p.isAlive()));
        }
        return states;
    }

    private void launch(Worker w) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + settings.maxHeapMb() + "m");
        command.add("-XX:+UseSerialGC");
        command.add("-Xss512k");
        command.add("-Dsockethub.worker=" + w.platformId);
        command.addAll(settings.command());
        w.consumer = w.platformId + "-" + settings.nodeId() + "-" + launches.incrementAndGet();
        w.fatal = null;
        w.booted = false;
        w.lastBeat = System.currentTimeMillis();
        w.startedAt = w.lastBeat;
        try {
            // the worker's Felix cache: created and deleted here, since a worker can die without cleaning up
            w.cache = java.nio.file.Files.createTempDirectory("sockethub-worker-" + w.platformId + "-");
            Process process = new ProcessBuilder(command).start();
            w.process = process;
            WorkerStart start = new WorkerStart(Base64.getEncoder().encodeToString(settings.key()), settings.redisUrl(),
                    settings.nodeId(), w.platformId, w.bundle, w.config, w.consumer, w.concurrency,
                    settings.heartbeatMs(), settings.jobTimeoutMs(), w.cache.toString());
            OutputStream stdin = process.getOutputStream();
            stdin.write((JSON.writeValueAsString(start) + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush(); // stays open: the worker exits when it closes
            w.control = daemon("worker-" + w.platformId + "-control", () -> readControl(w, process, process.getInputStream()));
            daemon("worker-" + w.platformId + "-log", () -> relayLog(w, process.getErrorStream()));
            process.onExit().thenAccept(p -> exited(w, p));
            LOG.info("worker for {} started (pid {})", w.platformId, process.pid());
        } catch (IOException e) {
            LOG.error("cannot start the worker for {}: {}", w.platformId, e.toString());
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
                        default -> LOG.info("[{}] {}", w.platformId, line);
                    }
                } catch (IOException notJson) {
                    LOG.info("[{}] {}", w.platformId, line);
                }
            }
        } catch (IOException ignored) {
            // the worker is gone
        }
    }

    private void relayLog(Worker w, InputStream stderr) {
        Logger log = LoggerFactory.getLogger("org.sockethub.worker." + w.platformId);
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
            LOG.error("after the worker for {} exited: {}", w.platformId, e.toString());
            synchronized (this) {
                if (workers.get(w.platformId) == w && !w.stopping && !closed) {
                    scheduleRestart(w);
                }
            }
        } finally {
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
            LOG.info("worker for {} stopped (exit {})", w.platformId, code);
            router.failTaken(w.platformId, w.consumer, "Error: platform " + w.platformId + " stopped");
            return;
        }
        String reason = w.fatal != null ? w.fatal : "Error: session thread closed unexpectedly: " + code;
        int failed = router.failTaken(w.platformId, w.consumer, reason);
        LOG.warn("worker for {} died (exit {}, {}); {} job(s) failed", w.platformId, code, reason, failed);
        onDeath.accept(w.platformId, reason);
        synchronized (this) {
            if (workers.get(w.platformId) == w) {
                scheduleRestart(w);
            }
        }
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
        LOG.info("restarting the worker for {} in {} ms", w.platformId, w.backoffMs);
        w.restart = timers.schedule(() -> {
            synchronized (this) {
                if (workers.get(w.platformId) == w && !closed) {
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
                if (p != null && p.isAlive() && now - w.lastBeat > settings.heartbeatTimeoutMs()) {
                    silent.add(w);
                }
            }
        }
        for (Worker w : silent) {
            w.fatal = "Error: platform worker stopped responding (no heartbeat for " + settings.heartbeatTimeoutMs() + " ms)";
            LOG.warn("worker for {} missed its heartbeats; killing pid {}", w.platformId, w.process.pid());
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
    public synchronized void close() {
        closed = true;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        for (String id : new ArrayList<>(workers.keySet())) {
            stop(id);
        }
    }

    private static final class Worker {
        final String platformId;
        final String bundle;
        final ObjectNode config;
        final int concurrency;
        volatile Process process;
        volatile String consumer;
        volatile String fatal;
        volatile long lastBeat;
        volatile long startedAt;
        volatile boolean stopping;
        volatile boolean booted;
        volatile Thread control;
        volatile java.nio.file.Path cache;
        int restarts;
        long backoffMs;
        ScheduledFuture<?> restart;

        Worker(String platformId, String bundle, ObjectNode config, int concurrency) {
            this.platformId = platformId;
            this.bundle = bundle;
            this.config = config;
            this.concurrency = concurrency;
        }

        void terminate() {
            Process p = process;
            if (p == null) {
                return;
            }
            try {
                p.getOutputStream().close(); // the worker exits on stdin EOF
            } catch (IOException ignored) {
                // already closed
            }
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
