package org.sockethub.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.redisson.api.RedissonClient;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.gateway.credentials.CredentialStore;
import org.sockethub.gateway.instances.InstanceRegistry;
import org.sockethub.gateway.ops.Commands;
import org.sockethub.gateway.ops.Metrics;
import org.sockethub.gateway.ops.OpsServlet;
import org.sockethub.gateway.pipeline.PlatformRegistry;
import org.sockethub.gateway.transport.SocketIoTransport;
import org.sockethub.gateway.http.ExamplesServlet;
import org.sockethub.gateway.http.HttpActionsServlet;
import org.sockethub.gateway.http.HttpActionsSettings;
import org.sockethub.gateway.http.StaticScriptsServlet;
import org.sockethub.gateway.workers.JobRouter;
import org.sockethub.gateway.workers.NodeLiveness;
import org.sockethub.gateway.workers.PlatformJars;
import org.sockethub.gateway.workers.WorkerSettings;
import org.sockethub.gateway.workers.WorkerSupervisor;
import org.sockethub.jobs.JobCipher;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.RedisClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as an OSGi component: it wires Redis, the job router, the worker supervisor and
 * the Socket.IO transport together, and follows {@link Platform} services as platform bundles
 * come and go.
 *
 * <p>Configuration comes from the framework property {@code sockethub.config} (the launcher's
 * resolved configuration as JSON), with the ConfigAdmin configuration {@code org.sockethub.gateway}
 * on top when there is one (Karaf's {@code etc/org.sockethub.gateway.cfg}; a change restarts the
 * gateway with it); the worker command from {@code sockethub.worker.command} (a JSON array: class
 * path and main class of the worker mode).
 */
@Component(immediate = true, configurationPid = GatewayComponent.PID,
        configurationPolicy = org.osgi.service.component.annotations.ConfigurationPolicy.OPTIONAL)
public class GatewayComponent {

    /** How long a platform whose bundle is being updated stays registered while the new code comes up. */
    private static final long REPLACEMENT_GRACE_MS = 10_000;
    /** The ConfigAdmin pid of the gateway's settings. */
    public static final String PID = "org.sockethub.gateway";
    private static final Logger LOG = LoggerFactory.getLogger(GatewayComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<ServiceReference<Platform>, Platform> platforms = new LinkedHashMap<>();
    /** Platforms whose bundle is being updated: still registered, their old worker draining. */
    private final java.util.Set<String> awaitingNewCode = new java.util.HashSet<>();
    private ScheduledExecutorService timers;
    private RedissonClient redis;
    private JobRouter router;
    private WorkerSupervisor supervisor;
    private PlatformRegistry registry;
    private volatile Gateway gateway;
    private SocketIoTransport transport;
    private NodeLiveness liveness;
    /** With {@code cluster.secret}: the directory of instances and the messages between nodes. */
    private org.sockethub.gateway.cluster.ClusterLink cluster;
    /** With {@code cluster.secret}: the worker hosts that read this node's stateless lanes. */
    private org.sockethub.gateway.workers.WorkerHosts workerHosts;
    private org.sockethub.gateway.ops.RedisState redisState;
    private GatewayConfig config;
    private final Metrics metrics = new Metrics();
    private boolean active;
    private volatile BundleContext bundleContext;
    private org.osgi.framework.ServiceRegistration<?> status;
    private org.osgi.framework.ServiceRegistration<?> commands;

    /** The launcher's error reporter (Sentry), when one is configured; JDK types only. */
    @Reference(service = java.util.function.Consumer.class, target = "(sockethub.errors=report)",
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile java.util.function.Consumer<Map<String, Object>> reporter;

    private void report(String message, Map<String, String> tags) {
        java.util.function.Consumer<Map<String, Object>> r = reporter;
        if (r != null) {
            r.accept(Map.of("message", message, "tags", tags));
        }
    }
    /** Karaf and other non-file installs: bundle copies a worker can load (issue 7). */
    private final org.sockethub.gateway.workers.PlatformJars platformJars = new org.sockethub.gateway.workers.PlatformJars();

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws Exception {
        bundleContext = context;
        try {
            start(context, properties);
            InetSocketAddress bound = transport.start();
            LOG.info("sockethub listening on ws://{}:{}{}", config.host(), bound.getPort(), config.path());
            announce(context, "listening", Map.of("sockethub.port", bound.getPort()));
        } catch (Exception | Error e) {
            String reason = e.getMessage() + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : "");
            deactivate();
            announce(context, "failed", Map.of("sockethub.error", reason));
            throw e;
        }
    }

    /**
     * Tells the launcher how the start went, through a service property it can filter on
     * without sharing a class: {@code (sockethub.gateway=listening)} or {@code =failed}.
     */
    private void announce(BundleContext context, String state, Map<String, Object> extra) {
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>(extra);
        props.put("sockethub.gateway", state);
        status = context.registerService(Map.class.getName(), Map.copyOf(props), props);
    }

    private void start(BundleContext context, Map<String, Object> properties) throws Exception {
        config = GatewayConfig.resolve(context.getProperty("sockethub.config"), properties);
        String nodeId = org.sockethub.jobs.Ids.random();
        // with a cluster secret, every node (and every node's workers) seals with the same key, so
        // that a node can run the jobs of another node's sessions on an instance it holds
        String secret = config.clusterSecret();
        byte[] key = secret.isEmpty() ? JobCipher.newKey() : org.sockethub.gateway.cluster.ClusterLink.jobKey(secret);
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "sockethub-timers");
            t.setDaemon(true);
            return t;
        });
        // every job schedules its timeout and cancels it when answered: drop cancelled ones at once
        pool.setRemoveOnCancelPolicy(true);
        timers = pool;
        redisState = new org.sockethub.gateway.ops.RedisState(() -> timers.execute(() -> {
            JobRouter r = router;
            if (r != null) {
                r.redisReturned();
            }
            Gateway g = gateway;
            if (g != null) {
                g.redisReturned();
            }
        }));
        redis = RedisClients.connect(config.redis(), 24, "sockethub-gateway-" + nodeId, redisState);
        liveness = new NodeLiveness(redis, nodeId, timers, config.nodeHeartbeatTtlMs(), config.nodeSweepIntervalMs());
        liveness.start();
        registry = new PlatformRegistry(versionOf(context.getBundle().getVersion()));
        router = new JobRouter(redis, nodeId, new JobCodec(new JobCipher(key)), config.jobTimeoutMs(), config.jobMaxWaiting(), timers,
                event -> gateway.pushed(event), metrics);
        router.refuseWhileUnreachable(redisState);
        supervisor = new WorkerSupervisor(new WorkerSettings(workerCommand(context), config.workerMaxHeapMb(),
                config.workerRestartBackoffMs(), config.heartbeatIntervalMs(), config.heartbeatTimeoutMs(),
                config.jobTimeoutMs(), config.redis(), nodeId, key, config.sentry(), config.workerDrainTimeoutMs(),
                config.workerGroups(), config.workerJavaOptions(), stopGraceMs(context), config.workerIdleStopMs(),
                spareWorkers(context)), router, timers,
                (lane, error) -> {
                    report("worker for " + lane.name() + " died: " + error, Map.of("platform", lane.platformId()));
                    gateway.workerDied(lane, error);
                },
                (lane, error) -> gateway.platformReplaced(lane.platformId(), error),
                platformId -> gateway.instances().stream().anyMatch(i -> i.platformId().equals(platformId) && i.holder() == null), metrics);
        gateway = new Gateway(registry, router, supervisor, new CredentialStore(redis, nodeId, config.credentialsTtlMs(), metrics),
                new InstanceRegistry(config.maxPlatformInstances()), new Gateway.Limits(config.rateLimits(), config.maxConnectionsPerIp(),
                "proxy".equals(config.reconnectIpSource()) ? config.proxyHeader() : null));
        if (!secret.isEmpty()) {
            Gateway g = gateway;
            cluster = new org.sockethub.gateway.cluster.ClusterLink(redis, nodeId, secret, timers, g::nodeMessage, g::peers, g::nodeGone);
            router.onNodeMessage(cluster::receive);
            g.cluster(cluster);
            // worker hosts (--workers-only) read this node's stateless lanes: their taken jobs are answered if they die
            workerHosts = new org.sockethub.gateway.workers.WorkerHosts(redis, router, () -> registry.snapshot().platforms().values()
                    .stream().filter(e -> !e.descriptor().persist()).map(e -> org.sockethub.gateway.workers.Lane.of(e.id())).toList(), timers);
            LOG.info("persistent instances shared with the other nodes of this Redis (cluster.secret)");
        }
        long sweep = config.janitorIntervalMs();
        timers.scheduleWithFixedDelay(gateway::sweep, sweep, sweep, java.util.concurrent.TimeUnit.MILLISECONDS);
        synchronized (this) {
            active = true;
            platforms.forEach(this::register);
        }
        Map<String, jakarta.servlet.http.HttpServlet> servlets = new java.util.LinkedHashMap<>();
        StaticScriptsServlet scripts = new StaticScriptsServlet();
        StaticScriptsServlet.SCRIPTS.keySet().forEach(path -> servlets.put(path, scripts));
        OpsServlet ops = new OpsServlet(redis, supervisor, metrics, Map.of(
                "sockethub_connections", Metrics.Gauge.of("Connected sessions (sockets and HTTP actions requests).", gateway::connections),
                "sockethub_instances", Metrics.Gauge.of("Persistent platform instances.", () -> gateway.instances().size()),
                "sockethub_jobs_in_flight", Metrics.Gauge.of("Jobs sent and not yet answered.", router::inFlight),
                "sockethub_workers_up", new Metrics.Gauge("Worker JVMs running, by platform.", this::workersUp)));
        servlets.put("/health", ops);
        servlets.put("/metrics", ops);
        if (config.examples()) {
            servlets.put("/examples", new ExamplesServlet());
            servlets.put("/examples/*", servlets.get("/examples"));
            LOG.info("examples at /examples/");
        }
        if (config.httpActionsEnabled()) {
            HttpActionsSettings http = config.httpActions();
            HttpActionsServlet actions = new HttpActionsServlet(gateway, redis, http, config.trustProxy());
            servlets.put(http.path(), actions);
            servlets.put(http.path() + "/*", actions);
            LOG.info("HTTP actions at {}{}", http.path(), http.token().isEmpty() ? "" : " (bearer token required)");
        }
        commands = context.registerService(Commands.class, new Commands(context, registry, supervisor, router, gateway,
                deployDir(context)), new java.util.Hashtable<>(Map.of("osgi.command.scope", "sockethub",
                "osgi.command.function", Commands.FUNCTIONS)));
        transport = new SocketIoTransport(new SocketIoTransport.Settings(config.host(), config.port(), config.path(),
                config.maxPayloadBytes(), config.corsOrigin()), gateway, servlets);
    }

    @Deactivate
    void deactivate() throws Exception {
        synchronized (this) {
            active = false;
        }
        if (redisState != null) { // connections close on purpose from here on
            redisState.close();
        }
        LOG.info("sockethub stopping");
        if (status != null) {
            try {
                status.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
            status = null;
        }
        if (commands != null) {
            try {
                commands.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
            commands = null;
        }
        if (transport != null) {
            transport.close();
        }
        if (supervisor != null) {
            supervisor.close();
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
        if (workerHosts != null) {
            workerHosts.close();
            workerHosts = null;
        }
        if (router != null) {
            router.close();
        }
        if (liveness != null) {
            liveness.close();
            liveness = null;
        }
        if (redis != null) {
            redis.shutdown();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        platformJars.close();
    }

    @Reference(service = Platform.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addPlatform(ServiceReference<Platform> reference, Platform platform) {
        platforms.put(reference, platform);
        if (active) {
            register(reference, platform);
        }
    }

    synchronized void removePlatform(ServiceReference<Platform> reference, Platform platform) {
        platforms.remove(reference);
        if (!active || shuttingDown()) {
            return; // the whole server is stopping: the gateway's own deactivation stops every worker
        }
        PlatformDescriptor descriptor;
        try {
            descriptor = platform.descriptor();
        } catch (RuntimeException e) {
            return;
        }
        PlatformRegistry.Entry current = registry.snapshot().platform(descriptor.id());
        if (current != null && current.location().equals(reference.getBundle().getLocation())) {
            boolean replaced = org.sockethub.gateway.workers.PlatformJars.fileStillThere(reference.getBundle());
            if (replaced) {
                // the new code registers in a moment: the old worker finishes what it is running, and
                // the platform stays in the registry meanwhile, so jobs sent in between wait in its
                // stream for the new worker instead of being refused
                String error = "Error: platform " + descriptor.id() + " was replaced";
                supervisor.drain(descriptor.id(), error);
                gateway.platformReplaced(descriptor.id(), error);
                awaitingNewCode.add(descriptor.id());
                timers.schedule(() -> forgetUnlessReplaced(current), REPLACEMENT_GRACE_MS, TimeUnit.MILLISECONDS);
                LOG.info("platform {} is being replaced; its worker drains", descriptor.id());
            } else {
                ServiceReference<Platform> next = highestOf(descriptor.id());
                if (next != null) {
                    LOG.info("platform {}: {} removed; falling back to {} ({})", descriptor.id(),
                            PlatformJars.fileName(reference.getBundle()), PlatformJars.fileName(next.getBundle()),
                            next.getBundle().getVersion());
                    register(next, platforms.get(next)); // takes over as a replacement does: the old worker drains
                } else {
                    forget(descriptor.id(), "Error: platform " + descriptor.id() + " was removed");
                }
            }
        }
    }

    /**
     * @return among the platform services known now, the one of the highest bundle version that
     *         declares this platform id (the most recently installed of equal versions), or
     *         {@code null}
     */
    private ServiceReference<Platform> highestOf(String platformId) {
        ServiceReference<Platform> best = null;
        for (Map.Entry<ServiceReference<Platform>, Platform> e : platforms.entrySet()) {
            String id;
            try {
                id = e.getValue().descriptor().id();
            } catch (RuntimeException broken) {
                continue;
            }
            if (!id.equals(platformId) || e.getKey().getBundle() == null) {
                continue;
            }
            if (best == null) {
                best = e.getKey();
                continue;
            }
            int c = e.getKey().getBundle().getVersion().compareTo(best.getBundle().getVersion());
            if (c > 0 || c == 0 && e.getKey().getBundle().getBundleId() > best.getBundle().getBundleId()) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** @return whether the framework itself is stopping (not just this platform's bundle) */
    private boolean shuttingDown() {
        try {
            BundleContext own = bundleContext;
            return own != null && own.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException stopped) {
            return true;
        }
    }

    /** A platform's bundle went away for good: its jobs and sessions are told, and it leaves the registry. */
    private void forget(String platformId, String error) {
        registry.remove(platformId);
        supervisor.stop(platformId);
        router.failAll(platformId, error);
        gateway.platformStopped(platformId, error);
        LOG.info("platform {} removed; registry fingerprint {}", platformId, registry.snapshot().fingerprint());
    }

    /** A bundle stopped for an update that did not come back (no new registration): it is removed after all. */
    private synchronized void forgetUnlessReplaced(PlatformRegistry.Entry old) {
        if (active && registry.snapshot().platform(old.id()) == old) {
            awaitingNewCode.remove(old.id());
            forget(old.id(), "Error: platform " + old.id() + " was removed");
        }
    }

    private void register(ServiceReference<Platform> reference, Platform platform) {
        String bundle = reference.getBundle().getSymbolicName();
        PlatformDescriptor descriptor;
        try {
            descriptor = platform.descriptor();
        } catch (RuntimeException e) {
            LOG.error("platform bundle {} refused: its descriptor failed: {}", bundle, e.toString());
            return;
        }
        Optional<String> problems = PlatformRegistry.problemsOf(descriptor);
        if (problems.isPresent()) {
            LOG.error("{} (bundle {})", problems.get(), bundle);
            return;
        }
        String location = reference.getBundle().getLocation();
        PlatformRegistry.Entry running = registry.snapshot().platform(descriptor.id());
        ServiceReference<Platform> best = highestOf(descriptor.id());
        if (best != null && !best.equals(reference)) {
            // several JARs of one platform (a version bump written beside the old file): the
            // highest version runs, the others wait, each said once
            LOG.info("platform {}: {} ({}) is inactive: {} ({}) runs, the highest version of it", descriptor.id(),
                    PlatformJars.fileName(reference.getBundle()), reference.getBundle().getVersion(),
                    PlatformJars.fileName(best.getBundle()), best.getBundle().getVersion());
            if (running != null && running.location().equals(location)) {
                register(best, platforms.get(best)); // the running JAR was rewritten with a lower version
            }
            return;
        }
        if (running != null && !running.location().equals(location)) {
            org.osgi.framework.Bundle old = bundleContext.getBundle(running.location());
            if (old != null && PlatformJars.fileStillThere(old)) {
                LOG.info("platform {}: {} ({}) takes over; {} ({}) is inactive", descriptor.id(),
                        PlatformJars.fileName(reference.getBundle()), reference.getBundle().getVersion(),
                        PlatformJars.fileName(old), old.getVersion());
            }
        }
        boolean replacing = running != null;
        registry.put(new PlatformRegistry.Entry(descriptor, location));
        ObjectNode merged = descriptor.config();
        merged.setAll(config.packageConfig(descriptor.id()));
        int concurrency = descriptor.persist() ? 1 : Math.max(1, merged.path("concurrency").asInt(10));
        supervisor.start(descriptor.id(), platformJars.locationFor(descriptor.id(), reference.getBundle()), merged, concurrency, descriptor.persist() && config.isolatedInstances());
        if (replacing && !awaitingNewCode.remove(descriptor.id())) {
            // the old worker drains (supervisor.start), and the connections it held end with it
            // (already done when the old bundle's removal announced the replacement)
            gateway.platformReplaced(descriptor.id(), "Error: platform " + descriptor.id() + " was replaced");
        }
        LOG.info("platform {} {} registered from {}; registry fingerprint {}", descriptor.id(), descriptor.version(),
                bundle, registry.snapshot().fingerprint());
    }

    private Map<String, Number> workersUp() {
        Map<String, Number> up = new java.util.TreeMap<>();
        for (WorkerSupervisor.State s : supervisor.states()) {
            up.merge(Metrics.label("platform", s.platformId()), s.alive() ? 1 : 0, (a, b) -> a.intValue() + b.intValue());
        }
        return up;
    }

    /** The drop-in folder: the host's FileInstall folder, or Karaf's {@code deploy/}. */
    private static java.nio.file.Path deployDir(BundleContext context) {
        String dir = context.getProperty("felix.fileinstall.dir");
        if (dir == null && context.getProperty("karaf.base") != null) {
            dir = context.getProperty("karaf.base") + "/deploy";
        }
        return java.nio.file.Path.of(dir == null ? "deploy" : dir);
    }

    /**
     * Workers the launcher started ahead ({@code (sockethub.spares=workers)}, a function from a
     * worker's command line to its process, in JDK types only), or none (Karaf).
     */
    @SuppressWarnings("unchecked")
    private static java.util.function.Function<List<String>, Process> spareWorkers(BundleContext context) {
        try {
            var refs = context.getServiceReferences(java.util.function.Function.class.getName(), "(sockethub.spares=workers)");
            if (refs != null && refs.length > 0) {
                var spares = (java.util.function.Function<List<String>, Process>) context.getService(refs[0]);
                if (spares != null) {
                    return spares;
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
        return command -> null;
    }

    /** How long a worker may take to exit when told to: 3 s (the build's training run allows more). */
    private static long stopGraceMs(BundleContext context) {
        String grace = context.getProperty("sockethub.worker.stopGraceMs");
        return grace == null ? 3_000 : Long.parseLong(grace);
    }

    private static List<String> workerCommand(BundleContext context) {
        return org.sockethub.gateway.workers.WorkerCommand.from(context::getProperty);
    }

    private static String versionOf(Version v) {
        String base = v.getMajor() + "." + v.getMinor() + "." + v.getMicro();
        return v.getQualifier().isEmpty() ? base : base + "-" + v.getQualifier();
    }
}
