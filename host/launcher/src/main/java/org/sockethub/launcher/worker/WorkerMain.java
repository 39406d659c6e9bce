package org.sockethub.launcher.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.redisson.api.RedissonClient;
import org.sockethub.api.Platform;
import org.sockethub.launcher.ErrorReporting;
import org.sockethub.jobs.JobCipher;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.RedisClients;
import org.sockethub.jobs.WorkerStart;
import org.sockethub.launcher.WorkerFelix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A platform worker JVM. It reads its {@link WorkerStart} from the first stdin line, boots a
 * small Felix with SCR and its platform bundles (the API, Jackson and slf4j come from this
 * class path), then runs each platform's jobs from its lane in Redis until the gateway closes
 * its stdin. Platforms that share a worker ({@code workers.groups}) share its fate: an error
 * that kills the JVM ends them all.
 *
 * <p>stdout is the control channel to the gateway (one JSON object per line: {@code ready},
 * {@code heartbeat}, {@code fatal}); everything a platform prints goes to stderr, which the
 * gateway logs.
 */
public final class WorkerMain {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WorkerMain() {
    }

    public static void run() throws Exception {
        PrintStream control = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        System.setProperty("org.slf4j.simpleLogger.log.org.redisson", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.netty", "warn");
        ControlChannel channel = new ControlChannel(control);
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> channel.fatal(error));

        // what needs nothing from the gateway comes first: a worker the launcher starts ahead of
        // need (SpareWorkers) has its framework up by the time it is wanted
        org.sockethub.jobs.JobCipher.warmUpInBackground(); // for the first job, while the framework boots
        long host = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
        java.nio.file.Path cache = WorkerStart.cacheDir(host, ProcessHandle.current().pid());
        java.nio.file.Files.createDirectories(cache);
        Framework felix = WorkerFelix.boot(cache);

        InputStream stdin = System.in;
        BufferedReader reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        String first = reader.readLine();
        if (first == null) {
            Runtime.getRuntime().halt(0); // the gateway is gone, or did not need this worker after all
        }
        WorkerStart start = JSON.readValue(first, WorkerStart.class);
        Logger log = LoggerFactory.getLogger("worker." + start.name());
        // tagged with every platform it runs: a fatal error ends them all
        ErrorReporting.start(start.sentry(), "worker", java.util.Map.of("platform", start.name(), "worker", start.name()));
        java.util.concurrent.atomic.AtomicReference<Runnable> onDrain =
                new java.util.concurrent.atomic.AtomicReference<>(() -> Runtime.getRuntime().halt(0));
        watchStdin(reader, onDrain);

        // Redis connects while Felix boots: the two are independent and each takes a few hundred ms.
        // Each lane's blocking read holds a connection of the pool, the writes of every lane (answers,
        // pushes) share one more (a RedisPipeline), and the rest serve the odd command.
        // One I/O thread: it reads every lane's jobs and runs the verbs that never wait, and their
        // answers are then written on its own connections, with no other event loop to wake.
        int connections = start.members().size() + 3;
        CompletableFuture<RedissonClient> connecting = CompletableFuture.supplyAsync(
                () -> RedisClients.connect(start.redis(), connections, "sockethub-worker-" + start.consumer(), null, 1));
        WorkerFelix.install(felix, start.members().stream().map(WorkerStart.Member::bundle).toList());
        java.util.List<Platform> platforms = new java.util.ArrayList<>();
        for (WorkerStart.Member member : start.members()) {
            platforms.add(awaitPlatform(felix.getBundleContext(), member.bundle()));
        }
        RedissonClient redis = connecting.join();
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "worker-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true); // one timeout per job, cancelled when it completes
        JobCodec codec = new JobCodec(new JobCipher(Base64.getDecoder().decode(start.key())));
        org.sockethub.jobs.RedisPipeline writer = new org.sockethub.jobs.RedisPipeline(redis);
        java.util.List<JobRunner> runners = new java.util.ArrayList<>();
        for (int i = 0; i < platforms.size(); i++) {
            WorkerStart.Member member = start.members().get(i);
            Platform platform = platforms.get(i);
            runners.add(new JobRunner(start, member, platform.descriptor(), platform, redis, writer, codec, timers,
                    entries -> channel.left(member.lane(), entries)));
        }
        if (start.heartbeatMs() > 0) {
            timers.scheduleAtFixedRate(channel::heartbeat, start.heartbeatMs(), start.heartbeatMs(), TimeUnit.MILLISECONDS);
        }
        onDrain.set(() -> runners.forEach(JobRunner::drain));
        // each lane is read on a thread of its own; the worker ends once every runner has drained
        java.util.List<Thread> lanes = new java.util.ArrayList<>();
        for (int i = 0; i < runners.size(); i++) {
            JobRunner runner = runners.get(i);
            Thread t = new Thread(() -> {
                try {
                    runner.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker-lane-" + start.members().get(i).lane());
            t.start();
            lanes.add(t);
        }
        channel.ready();
        org.sockethub.launcher.IdleCollector.start(10_000);
        log.info("worker for {} ready (pid {})", start.name(), ProcessHandle.current().pid());
        for (Thread t : lanes) {
            t.join();
        }
        log.info("worker for {} drained; exiting", start.name());
        writer.close();
        redis.shutdown(0, 2, TimeUnit.SECONDS);
        Runtime.getRuntime().halt(0);
    }

    /**
     * The gateway closing our stdin means it is gone, or wants this worker gone at once: leave at
     * once. A {@code drain} line means this worker's platform was replaced: take no more jobs,
     * finish the ones running, then leave ({@link JobRunner#drain}).
     */
    private static void watchStdin(BufferedReader reader, java.util.concurrent.atomic.AtomicReference<Runnable> onDrain) {
        Thread t = new Thread(() -> {
            try {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (WorkerStart.DRAIN.equals(line.strip())) {
                        onDrain.get().run();
                    }
                }
            } catch (IOException ignored) {
                // treat as closed
            }
            Runtime.getRuntime().halt(0);
        }, "worker-stdin");
        t.setDaemon(true);
        t.start();
    }

    private static Platform awaitPlatform(BundleContext context, String location) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                for (ServiceReference<Platform> ref : context.getServiceReferences(Platform.class, null)) {
                    if (location.equals(ref.getBundle().getLocation())) {
                        return context.getService(ref);
                    }
                }
            } catch (org.osgi.framework.InvalidSyntaxException impossible) {
                throw new IllegalStateException(impossible);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the platform bundle " + location + " registered no Platform service within 30 s");
    }

    /** The worker's side of the control channel. */
    static final class ControlChannel {
        private final PrintStream out;

        ControlChannel(PrintStream out) {
            this.out = out;
        }

        synchronized void ready() {
            out.println("{\"type\":\"ready\"}");
        }

        synchronized void heartbeat() {
            out.println("{\"type\":\"heartbeat\"}");
        }

        /** Stream entries of a lane this draining worker read and will not run: the gateway requeues them. */
        void left(String lane, java.util.List<org.redisson.api.stream.StreamMessageId> entries) {
            ObjectNode msg = JSON.createObjectNode();
            msg.put("type", "left");
            msg.put("lane", lane);
            var ids = msg.putArray("entries");
            entries.forEach(id -> ids.add(id.toString()));
            synchronized (this) {
                out.println(msg.toString());
            }
        }

        /** An exception escaped outside a job: tell the gateway what, then die. */
        void fatal(Throwable error) {
            String text = error.getClass().getSimpleName() + ": " + error.getMessage();
            try {
                ObjectNode msg = JSON.createObjectNode();
                msg.put("type", "fatal");
                msg.put("error", text);
                synchronized (this) {
                    out.println(JSON.writeValueAsString(msg));
                }
            } catch (IOException ignored) {
                // dying anyway
            }
            error.printStackTrace();
            ErrorReporting.report(error);
            ErrorReporting.flush(2_000);
            Runtime.getRuntime().halt(1);
        }
    }
}
