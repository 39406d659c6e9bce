package org.sockethub.launcher;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.redisson.api.RScript;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.PendingEntry;
import org.redisson.api.stream.StreamMessageId;
import org.sockethub.jobs.ClusterSecret;
import org.sockethub.jobs.JobCipher;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.RedisClients;
import org.sockethub.jobs.RedisTarget;
import org.sockethub.jobs.Utf8Codec;
import org.sockethub.jobs.WorkerJvm;
import org.sockethub.jobs.WorkerStart;
import org.slf4j.Logger;

/**
 * {@code --workers-only}: a worker host. It joins the gateway nodes of its Redis (or Redis Cluster)
 * that share its {@code cluster.secret} and runs the jobs of their stateless platforms
 * ({@code workerHost.platforms}: dummy, feeds and metadata by default) beside their own workers,
 * so that heavy fetching scales out over machines.
 *
 * <p>For each live gateway node (the registry {@link JobStreams#NODES}) it runs one worker JVM,
 * the same worker a node runs, reading that node's lanes as one more consumer of their groups, so
 * each job is taken by one worker, the node's or a worker host's, and its answer goes to the
 * node's events stream as any worker's does. A worker for a node that left stops. The worker host
 * beats like a node ({@link JobStreams#alive} of its id, and the registry
 * {@link JobStreams#WORKER_HOSTS}); when it dies, the nodes answer what its workers had taken
 * (the gateway's {@code WorkerHosts}), once, as for a worker of their own. When one of its
 * workers dies while it lives, it answers that worker's taken jobs itself with an error (an
 * idempotent one too: the node keeps count of reruns by stream entry) and starts another after
 * {@code workers.restartBackoffMs}, doubling up to 30 s while they die young.
 */
final class WorkerHost {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The answer to a job whose worker on a worker host died under it (as for a gateway's own worker). */
    static final String DIED = "Error: session thread closed unexpectedly: the worker host's worker stopped";

    private final String id = "wh-" + org.sockethub.jobs.Ids.random();
    private final RedissonClient redis;
    private final Logger log;
    private final List<String> command;
    private final int maxHeapMb;
    private final List<String> javaOptions;
    private final List<WorkerStart.Member> members;
    private final String key;
    private final JobCodec codec;
    private final RedisTarget target;
    private final long ttlMs;
    private final ObjectNode sentry;
    private final long jobTimeoutMs;
    private final long drainMs;
    private final long restartBackoffMs;
    private static final long MAX_BACKOFF_MS = 30_000;
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "workerhost-timers");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;
    private long launches;

    /** One worker JVM, for one node. */
    private static final class Worker {
        final String node;
        final String consumer;
        final Process process;
        final long startedAt = System.nanoTime();
        /** Whether its taken jobs were answered after it died. */
        boolean answered;
        /** The wait before the restart that made it, and before the next if it dies young. */
        long backoffMs;
        /** When it may be restarted ({@link System#nanoTime()}), once it died. */
        long restartAt;

        Worker(String node, String consumer, Process process) {
            this.node = node;
            this.consumer = consumer;
            this.process = process;
        }
    }

    private WorkerHost(RedissonClient redis, RedisTarget target, ObjectNode config, Layout layout, List<WorkerStart.Member> members,
                       Logger log) {
        this.redis = redis;
        this.target = target;
        this.log = log;
        this.members = members;
        byte[] jobKey = ClusterSecret.jobKey(config.path("cluster").path("secret").asText());
        this.key = Base64.getEncoder().encodeToString(jobKey);
        this.codec = new JobCodec(new JobCipher(jobKey));
        this.command = List.of("-cp", layout.classPath(), Main.class.getName(), "--worker");
        this.maxHeapMb = config.path("workers").path("maxHeapMb").asInt(256);
        List<String> options = new ArrayList<>();
        config.path("workers").path("javaOptions").forEach(o -> options.add(o.asText()));
        this.javaOptions = options;
        this.ttlMs = config.path("nodeHeartbeat").path("ttlMs").asLong(6_000);
        this.sentry = config.path("sentry").isObject() ? (ObjectNode) config.path("sentry") : JSON.createObjectNode();
        this.jobTimeoutMs = config.path("jobs").path("timeoutMs").asLong(60_000);
        this.drainMs = config.path("workers").path("drainTimeoutMs").asLong(10_000);
        this.restartBackoffMs = config.path("workers").path("restartBackoffMs").asLong(500);
    }

    /**
     * Runs a worker host until the process is stopped.
     *
     * @return the exit code
     */
    static int run(ObjectNode config, Layout layout, RedisTarget target, Path deploy, Logger log) throws Exception {
        if (config.path("cluster").path("secret").asText("").isEmpty()) {
            System.err.println("sockethub: --workers-only needs cluster.secret (or SOCKETHUB_CLUSTER_SECRET), the same as the gateway nodes'");
            return 1;
        }
        List<WorkerStart.Member> members;
        try {
            members = members(config, List.of(layout.platforms(), deploy));
        } catch (ConfigException e) {
            System.err.println("sockethub: " + e.getMessage());
            return 1;
        }
        RedissonClient redis = RedisClients.connect(target, 4, "sockethub-workerhost");
        WorkerHost host = new WorkerHost(redis, target, config, layout, members, log);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            host.stop();
            stopped.countDown();
        }, "workerhost-shutdown"));
        host.start();
        stopped.await();
        return 0;
    }

    /** The platforms a worker host runs, each with its JAR (by its {@code Bundle-SymbolicName}) and settings. */
    static List<WorkerStart.Member> members(ObjectNode config, List<Path> folders) throws ConfigException {
        Map<String, Path> jars = new LinkedHashMap<>();
        for (Path folder : folders) {
            List<Path> found;
            try {
                found = FelixBoot.jarsIn(folder);
            } catch (IOException e) {
                throw new ConfigException("cannot list " + folder + ": " + e.getMessage());
            }
            for (Path jar : found) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    String name = file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                    if (name != null && name.startsWith("org.sockethub.platform.")) {
                        jars.put(name.substring("org.sockethub.platform.".length()).split(";")[0].strip(), jar); // deploy/ wins
                    }
                } catch (IOException e) {
                    throw new ConfigException("cannot read " + jar + ": " + e.getMessage());
                }
            }
        }
        List<WorkerStart.Member> members = new ArrayList<>();
        for (JsonNode p : config.path("workerHost").path("platforms")) {
            String platformId = p.asText();
            Path jar = jars.get(platformId);
            if (jar == null) {
                throw new ConfigException("workerHost.platforms: no JAR of platform " + platformId + " in " + folders);
            }
            ObjectNode settings = JSON.createObjectNode();
            JsonNode alias = config.path("packageConfig").path("@sockethub/platform-" + platformId);
            if (alias.isObject()) {
                settings.setAll((ObjectNode) alias);
            }
            if (config.path("packageConfig").path(platformId).isObject()) {
                settings.setAll((ObjectNode) config.path("packageConfig").path(platformId));
            }
            members.add(new WorkerStart.Member(platformId, platformId, jar.toUri().toString(), settings,
                    Math.max(1, settings.path("concurrency").asInt(10))));
        }
        if (members.isEmpty()) {
            throw new ConfigException("workerHost.platforms is empty: a worker host has nothing to run");
        }
        return members;
    }

    private void start() {
        beat();
        long beatMs = Math.max(100, ttlMs / 6);
        timers.scheduleWithFixedDelay(() -> {
            try {
                beat();
                follow();
            } catch (RuntimeException e) {
                log.warn("worker host beat failed: {}", e.toString());
            }
        }, 0, beatMs, TimeUnit.MILLISECONDS);
        log.info("worker host {} running {} for the gateway nodes of {}", id,
                members.stream().map(WorkerStart.Member::platformId).toList(), target);
    }

    private void beat() {
        redis.getBucket(JobStreams.alive(id), Utf8Codec.INSTANCE).set("1", Duration.ofMillis(ttlMs));
        redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_WRITE, JobStreams.BEAT_SCRIPT, RScript.ReturnType.LONG,
                List.of(JobStreams.WORKER_HOSTS), id, Long.toString(ttlMs));
    }

    /** A worker for each live gateway node, none for the others. */
    private synchronized void follow() {
        if (stopping) {
            return;
        }
        List<Object> live = redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_ONLY, JobStreams.LIVE_SCRIPT,
                RScript.ReturnType.LIST, List.of(JobStreams.NODES));
        Set<String> nodes = new HashSet<>();
        live.forEach(n -> nodes.add(String.valueOf(n)));
        long now = System.nanoTime();
        for (String node : nodes) {
            Worker w = workers.get(node);
            if (w != null && !w.process.isAlive() && !w.answered) {
                answerTaken(w);
                // restarted after workers.restartBackoffMs, doubling while it keeps dying young, up to 30 s
                long wait = now - w.startedAt < TimeUnit.SECONDS.toNanos(10)
                        ? Math.min(MAX_BACKOFF_MS, Math.max(restartBackoffMs, 2 * w.backoffMs)) : restartBackoffMs;
                w.backoffMs = wait;
                w.restartAt = now + TimeUnit.MILLISECONDS.toNanos(wait);
            }
            if (w == null || !w.process.isAlive() && now - w.restartAt >= 0) {
                startWorker(node, w == null ? 0 : w.backoffMs);
            }
        }
        for (Worker w : List.copyOf(workers.values())) {
            if (!nodes.contains(w.node)) {
                log.info("gateway node {} left: its worker stops", w.node);
                workers.remove(w.node, w);
                close(w);
            }
        }
    }

    private void startWorker(String node, long backoffMs) {
        String name = members.stream().map(WorkerStart.Member::platformId).reduce((a, b) -> a + "+" + b).orElseThrow();
        String consumer = JobStreams.workerHostConsumer(id, node, ++launches);
        List<String> full = WorkerJvm.command(maxHeapMb, command, javaOptions, name, name + "@" + node);
        try {
            ProcessBuilder builder = new ProcessBuilder(full);
            WorkerJvm.environment(builder.environment());
            Process process = builder.start();
            WorkerStart start = new WorkerStart(key, target, node, name + "@" + node, members, consumer, 0,
                    jobTimeoutMs, sentry);
            OutputStream stdin = process.getOutputStream();
            stdin.write((JSON.writeValueAsString(start) + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush(); // stays open: the worker exits when it closes (or when this process dies)
            Worker w = new Worker(node, consumer, process);
            w.backoffMs = backoffMs;
            workers.put(node, w);
            relay(process.getInputStream(), line -> {
                if (line.contains("\"ready\"")) {
                    log.info("worker for {} of node {} ready (pid {})", name, node, process.pid());
                }
            });
            relay(process.getErrorStream(), line -> System.out.println(line));
            log.info("worker for {} of node {} started (pid {}, consumer {})", name, node, process.pid(), consumer);
        } catch (IOException e) {
            log.error("cannot start a worker for node {}: {}", node, e.toString());
        }
    }

    /**
     * A worker of this host died while the host lives: each job it had taken is answered with
     * {@link #DIED} (the finishing script a worker runs: answer, acknowledge, delete), once.
     */
    private void answerTaken(Worker w) {
        w.answered = true;
        int answered = 0;
        for (WorkerStart.Member member : members) {
            RStream<String, String> lane = redis.getStream(JobStreams.jobs(w.node, member.lane()), Utf8Codec.INSTANCE);
            try {
                for (PendingEntry e : lane.listPending(JobStreams.GROUP, w.consumer, StreamMessageId.MIN, StreamMessageId.MAX, 10_000)) {
                    Map<String, String> fields = lane.range(e.getId(), e.getId()).get(e.getId());
                    String answer = "";
                    if (fields != null && fields.get(JobStreams.FIELD) != null) {
                        JobRequest job = codec.openRequest(fields.get(JobStreams.FIELD));
                        if (job.control() == null) {
                            answer = codec.seal(JobEvent.failure(job.id(), DIED));
                            answered++;
                        }
                    }
                    redis.getScript(Utf8Codec.INSTANCE).eval(lane.getName(), RScript.Mode.READ_WRITE, JobStreams.FINISH_SCRIPT,
                            RScript.ReturnType.LONG, List.of(lane.getName(), JobStreams.events(w.node)), e.getId().toString(), answer,
                            JobStreams.GROUP);
                }
                lane.removeConsumer(JobStreams.GROUP, w.consumer);
            } catch (RuntimeException e) {
                log.warn("answering the jobs of a dead worker for node {}: {}", w.node, e.toString());
            }
        }
        log.warn("the worker for node {} died (exit {}); {} job(s) it had taken answered with an error", w.node,
                w.process.exitValue(), answered);
    }

    private static void relay(InputStream from, java.util.function.Consumer<String> to) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    to.accept(line);
                }
            } catch (IOException ignored) {
                // the worker is gone
            }
        }, "workerhost-relay");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Worker w) {
        try {
            w.process.getOutputStream().close(); // the worker exits at once
        } catch (IOException ignored) {
            // gone already
        }
    }

    /**
     * Stops: each worker drains (finishes the jobs it runs, takes no more; up to
     * {@code workers.drainTimeoutMs}), then the heartbeat goes. The registry entry stays until
     * its beat runs out, so that each node then answers what the workers had read and not run
     * ({@code WorkerHosts}: an idempotent job runs again on the node).
     */
    private void stop() {
        synchronized (this) {
            stopping = true;
        }
        timers.shutdownNow();
        for (Worker w : workers.values()) {
            try {
                OutputStream stdin = w.process.getOutputStream();
                stdin.write((WorkerStart.DRAIN + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException gone) {
                // exited already
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMs);
        for (Worker w : workers.values()) {
            try {
                if (!w.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    close(w);
                    w.process.waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            redis.getBucket(JobStreams.alive(id)).delete();
        } catch (RuntimeException e) {
            log.debug("removing the heartbeat: {}", e.toString());
        }
        log.info("worker host {} stopped", id);
        redis.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
