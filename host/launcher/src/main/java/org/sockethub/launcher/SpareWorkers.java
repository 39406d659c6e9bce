package org.sockethub.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.sockethub.jobs.WorkerGroups;
import org.sockethub.jobs.WorkerJvm;
import org.sockethub.jobs.WorkerStart;

/**
 * The workers that start with the gateway ({@code workers.prewarm}), started by the launcher
 * before its framework: a worker JVM boots (the JVM, its framework and SCR) while the host boots,
 * and waits on its stdin for the start message. When the gateway's supervisor launches a worker
 * with exactly the command line of one of these, it takes that process instead of starting one
 * ({@link #apply}, offered to the gateway as a service in JDK types); one nobody takes within
 * {@link #UNCLAIMED_MS} is stopped.
 */
final class SpareWorkers implements Function<List<String>, Process> {

    /** How long a spare waits to be taken (a gateway that failed, a layout without its platforms). */
    static final long UNCLAIMED_MS = 60_000;

    private final Map<List<String>, Process> spares = new ConcurrentHashMap<>();

    private SpareWorkers() {
    }

    /**
     * Starts one worker JVM per prewarmed group or platform of the configuration, named as the
     * supervisor will name it once all of the group's platforms have registered; none with
     * {@code workers.isolation: per-instance}.
     *
     * @param config  the resolved configuration
     * @param command the worker command (class path, main class, {@code --worker})
     * @return the spares
     */
    static SpareWorkers start(JsonNode config, List<String> command) {
        SpareWorkers workers = new SpareWorkers();
        JsonNode settings = config.path("workers");
        if ("per-instance".equals(settings.path("isolation").asText())) {
            // the persistent platforms of a group then leave it for workers of their own, and which
            // ones are persistent only their descriptors tell: a spare named after the whole group
            // would not be the worker the supervisor asks for
            return workers;
        }
        List<String> extra = new ArrayList<>();
        settings.path("javaOptions").forEach(o -> extra.add(o.asText()));
        int maxHeapMb = settings.path("maxHeapMb").asInt(256);
        WorkerGroups groups = WorkerGroups.of(settings);
        List<String> prewarm = new ArrayList<>();
        settings.path("prewarm").forEach(id -> prewarm.add(id.asText()));
        for (String name : groups.prewarmedKeys(prewarm)) {
            List<String> line = WorkerJvm.command(maxHeapMb, command, extra, name, name);
            try {
                // its stderr (the log) waits in the pipe for the supervisor that takes it
                ProcessBuilder builder = new ProcessBuilder(line);
                WorkerJvm.environment(builder.environment());
                Process process = builder.start();
                workers.spares.put(line, process);
                process.onExit().thenRun(() -> FelixBoot.deleteTree(WorkerStart.cacheDir(ProcessHandle.current().pid(), process.pid()).toFile()));
                java.util.concurrent.CompletableFuture.delayedExecutor(UNCLAIMED_MS, TimeUnit.MILLISECONDS)
                        .execute(() -> workers.release(line));
            } catch (IOException e) {
                System.err.println("sockethub: could not start a worker ahead: " + e.getMessage());
            }
        }
        return workers;
    }

    /**
     * @param command a worker's whole command line
     * @return the spare started with exactly that line (taken: asked again, none), or {@code null}
     */
    @Override
    public Process apply(List<String> command) {
        Process spare = spares.remove(command);
        return spare != null && spare.isAlive() ? spare : null;
    }

    /** Stops the spares nobody took (the host is stopping). */
    void close() {
        List.copyOf(spares.keySet()).forEach(this::release);
    }

    private void release(List<String> command) {
        Process spare = spares.remove(command);
        if (spare != null) {
            try {
                spare.getOutputStream().close(); // it exits on EOF
            } catch (IOException ignored) {
                spare.destroy();
            }
        }
    }
}
