package org.sockethub.gateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.sockethub.gateway.Gateway;
import org.sockethub.gateway.instances.PersistentInstance;
import org.sockethub.gateway.pipeline.PlatformRegistry;
import org.sockethub.gateway.workers.JobRouter;
import org.sockethub.gateway.workers.WorkerSupervisor;

/**
 * The operator's console commands, scope {@code sockethub} (design §12): Gogo-style, so the same
 * service serves the host's own Gogo shell ({@code ./sockethub --console}) and Karaf's console.
 * Each prints a table (Karaf does not print return values over ssh) and returns nothing.
 */
public final class Commands {

    /** The command names, for the {@code osgi.command.function} property. */
    public static final String[] FUNCTIONS = {"platforms", "sessions", "instances", "workers", "restart", "deploy", "undeploy"};

    private final BundleContext context;
    private final PlatformRegistry registry;
    private final WorkerSupervisor workers;
    private final JobRouter router;
    private final Gateway gateway;
    private final Path deployDir;

    /**
     * @param context   the gateway bundle's context
     * @param registry  the platforms
     * @param workers   the workers
     * @param router    the jobs in flight
     * @param gateway   the sessions and instances
     * @param deployDir the drop-in folder
     */
    public Commands(BundleContext context, PlatformRegistry registry, WorkerSupervisor workers, JobRouter router, Gateway gateway,
                    Path deployDir) {
        this.context = context;
        this.registry = registry;
        this.workers = workers;
        this.router = router;
        this.gateway = gateway;
        this.deployDir = deployDir;
    }

    private static PrintStream out() {
        return System.out; // Gogo gives each session its own System.out
    }

    /** Lists the platforms: id, version, bundle, the file it runs from, worker state, instances. */
    public void platforms() {
        PrintStream out = out();
        out.printf("%-12s %-16s %-40s %-44s %-22s %s%n", "PLATFORM", "VERSION", "BUNDLE", "FILE", "WORKER", "INSTANCES");
        for (PlatformRegistry.Entry e : registry.snapshot().platforms().values()) {
            String id = e.descriptor().id();
            var states = workers.states().stream().filter(s -> s.platformId().equals(id)).toList();
            String worker = states.isEmpty() ? (e.descriptor().persist() ? "per instance, none" : "none")
                    : states.size() == 1 && !states.get(0).lane().contains("/")
                    ? (states.get(0).alive() ? "up pid " + states.get(0).pid() : "down")
                    : states.stream().filter(WorkerSupervisor.State::alive).count() + "/" + states.size() + " up";
            long instances = gateway.instances().stream().filter(i -> i.platformId().equals(id)).count();
            Bundle bundle = context.getBundle(e.location());
            out.printf("%-12s %-16s %-40s %-44s %-22s %d%n", id, e.descriptor().version(),
                    bundle == null ? e.location() : bundle.getSymbolicName() + " " + bundle.getVersion(),
                    bundle == null ? e.location() : org.sockethub.gateway.workers.PlatformJars.fileName(bundle), worker, instances);
        }
    }

    /** Lists the connected sessions. */
    public void sessions() {
        PrintStream out = out();
        out.printf("%-24s %-7s %-18s %-10s %s%n", "SESSION", "KIND", "ADDRESS", "AGE", "INSTANCES");
        for (Gateway.SessionView s : gateway.sessions()) {
            out.printf("%-24s %-7s %-18s %-10s %s%n", s.id(), s.http() ? "http" : "socket", s.address(),
                    age(s.connectedAt()), String.join(",", s.instances()));
        }
    }

    /** Lists the persistent instances. */
    public void instances() {
        PrintStream out = out();
        out.printf("%-8s %-12s %-32s %-9s %-12s %-5s %s%n", "HANDLE", "PLATFORM", "ACTOR", "SESSIONS", "CONNECTED", "JOBS", "NODES");
        for (PersistentInstance i : gateway.instances()) {
            // held here (and which other nodes' sessions use it), or held by another node (cluster.secret)
            String nodes = i.holder() != null ? "held by " + i.holder()
                    : i.attachedNodes().isEmpty() ? "here" : "here, used by " + String.join(",", i.attachedNodes());
            out.printf("%-8s %-12s %-32s %-9d %-12s %-5d %s%n", i.handle(), i.platformId(), i.actorId(), i.sessions().size(),
                    i.initialized() ? "yes" : "not yet", i.inFlight(), nodes);
        }
    }

    /** Lists the worker JVMs: pid, uptime, restarts, jobs in flight. */
    public void workers() {
        PrintStream out = out();
        Map<String, Integer> inFlight = router.inFlightByLane();
        out.printf("%-24s %-8s %-6s %-10s %-9s %s%n", "WORKER", "PID", "STATE", "UPTIME", "RESTARTS", "JOBS");
        for (WorkerSupervisor.State s : workers.states()) {
            out.printf("%-24s %-8d %-6s %-10s %-9d %d%n", s.lane(), s.pid(), s.alive() ? "up" : "down",
                    s.alive() ? age(s.startedAt()) : "-", s.restarts(), inFlight.getOrDefault(s.lane(), 0));
        }
    }

    /**
     * Restarts a platform's workers: the old ones drain (their running jobs are answered), its
     * persistent instances end and their sessions are told.
     *
     * @param platformId the platform
     */
    public void restart(String platformId) {
        String error = "Error: platform " + platformId + " was restarted";
        if (!workers.restart(platformId, error)) {
            out().println("no platform " + platformId);
            return;
        }
        gateway.platformReplaced(platformId, error);
        out().println("restarted " + platformId);
    }

    /**
     * Copies a platform JAR into the drop-in folder, where it becomes live within about a second.
     *
     * @param source a path or URL
     * @throws IOException if it cannot be read or written
     */
    public void deploy(String source) throws IOException {
        boolean url = source.matches("(?i)(https?|file):.*");
        String name = Path.of(url ? URI.create(source).getPath() : source).getFileName().toString();
        if (!name.endsWith(".jar")) {
            out().println("not a .jar: " + source);
            return;
        }
        Files.createDirectories(deployDir);
        Path target = deployDir.resolve(name);
        Path part = deployDir.resolve(name + ".part"); // FileInstall watches *.jar only
        try (InputStream in = url ? URI.create(source).toURL().openStream() : Files.newInputStream(Path.of(source))) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out().println("deployed " + target);
    }

    /**
     * Removes a platform: its JAR from the drop-in folder if it came from there, else its bundle.
     *
     * @param platformId the platform
     * @throws Exception if the bundle cannot be uninstalled
     */
    public void undeploy(String platformId) throws Exception {
        PlatformRegistry.Entry entry = registry.snapshot().platform(platformId);
        if (entry == null) {
            out().println("no platform " + platformId);
            return;
        }
        String location = entry.location();
        Path file = location.startsWith("file:") ? Path.of(URI.create(location)) : null;
        if (file != null && file.toAbsolutePath().getParent().equals(deployDir.toAbsolutePath())) {
            Files.deleteIfExists(file);
            out().println("removed " + file);
            return;
        }
        Bundle bundle = context.getBundle(location);
        if (bundle != null) {
            bundle.uninstall();
            out().println("uninstalled " + bundle.getSymbolicName());
        }
    }

    private static String age(long since) {
        Duration d = Duration.ofMillis(System.currentTimeMillis() - since);
        return d.toHours() > 0 ? d.toHours() + "h" + d.toMinutesPart() + "m" : d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s"
                : d.toSeconds() + "s";
    }
}
