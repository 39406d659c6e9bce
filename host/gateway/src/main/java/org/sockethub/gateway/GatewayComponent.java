package org.sockethub.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
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
import org.sockethub.gateway.pipeline.PlatformRegistry;
import org.sockethub.gateway.transport.SocketIoTransport;
import org.sockethub.gateway.workers.JobRouter;
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
 * resolved configuration as JSON); the worker command from {@code sockethub.worker.command}
 * (a JSON array: class path and main class of the worker mode).
 */
@Component(immediate = true)
public class GatewayComponent {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<ServiceReference<Platform>, Platform> platforms = new LinkedHashMap<>();
    private ScheduledExecutorService timers;
    private RedissonClient redis;
    private JobRouter router;
    private WorkerSupervisor supervisor;
    private PlatformRegistry registry;
    private Gateway gateway;
    private SocketIoTransport transport;
    private GatewayConfig config;
    private boolean active;
    private org.osgi.framework.ServiceRegistration<?> status;

    @Activate
    void activate(BundleContext context) throws Exception {
        try {
            start(context);
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

    private void start(BundleContext context) throws Exception {
        config = GatewayConfig.parse(context.getProperty("sockethub.config"));
        String nodeId = randomId();
        byte[] key = JobCipher.newKey();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "sockethub-timers");
            t.setDaemon(true);
            return t;
        });
        // every job schedules its timeout and cancels it when answered: drop cancelled ones at once
        pool.setRemoveOnCancelPolicy(true);
        timers = pool;
        redis = RedisClients.connect(config.redisUrl(), 24, "sockethub-gateway-" + nodeId);
        registry = new PlatformRegistry(versionOf(context.getBundle().getVersion()));
        router = new JobRouter(redis, nodeId, new JobCodec(new JobCipher(key)), config.jobTimeoutMs(), timers,
                event -> gateway.pushed(event));
        gateway = new Gateway(registry, router, new CredentialStore(redis, nodeId, config.credentialsTtlMs()),
                new InstanceRegistry(config.maxPlatformInstances()), new Gateway.Limits(config.rateLimits(), config.maxConnectionsPerIp(),
                "proxy".equals(config.reconnectIpSource()) ? config.proxyHeader() : null));
        supervisor = new WorkerSupervisor(new WorkerSettings(workerCommand(context), config.workerMaxHeapMb(),
                config.workerRestartBackoffMs(), config.heartbeatIntervalMs(), config.heartbeatTimeoutMs(),
                config.jobTimeoutMs(), config.redisUrl(), nodeId, key), router, timers, gateway::platformStopped);
        long sweep = config.janitorIntervalMs();
        timers.scheduleWithFixedDelay(gateway::sweep, sweep, sweep, java.util.concurrent.TimeUnit.MILLISECONDS);
        synchronized (this) {
            active = true;
            platforms.forEach(this::register);
        }
        transport = new SocketIoTransport(new SocketIoTransport.Settings(config.host(), config.port(), config.path(),
                config.maxPayloadBytes(), config.corsOrigin()), gateway);
    }

    @Deactivate
    void deactivate() throws Exception {
        synchronized (this) {
            active = false;
        }
        if (status != null) {
            try {
                status.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
            status = null;
        }
        if (transport != null) {
            transport.close();
        }
        if (supervisor != null) {
            supervisor.close();
        }
        if (router != null) {
            router.close();
        }
        if (redis != null) {
            redis.shutdown();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
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
        if (!active) {
            return;
        }
        PlatformDescriptor descriptor;
        try {
            descriptor = platform.descriptor();
        } catch (RuntimeException e) {
            return;
        }
        PlatformRegistry.Entry current = registry.snapshot().platform(descriptor.id());
        if (current != null && current.location().equals(reference.getBundle().getLocation())) {
            String error = "Error: platform " + descriptor.id() + " was removed";
            registry.remove(descriptor.id());
            supervisor.stop(descriptor.id());
            router.failAll(descriptor.id(), error);
            gateway.platformStopped(descriptor.id(), error);
            LOG.info("platform {} removed; registry fingerprint {}", descriptor.id(), registry.snapshot().fingerprint());
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
        boolean replacing = registry.snapshot().platform(descriptor.id()) != null;
        registry.put(new PlatformRegistry.Entry(descriptor, location));
        ObjectNode merged = descriptor.config();
        merged.setAll(config.packageConfig(descriptor.id()));
        int concurrency = descriptor.persist() ? 1 : Math.max(1, merged.path("concurrency").asInt(10));
        supervisor.start(descriptor.id(), location, merged, concurrency);
        if (replacing) {
            // the old worker and the connections it held are gone
            gateway.platformStopped(descriptor.id(), "Error: platform " + descriptor.id() + " was replaced");
        }
        LOG.info("platform {} {} registered from {}; registry fingerprint {}", descriptor.id(), descriptor.version(),
                bundle, registry.snapshot().fingerprint());
    }

    private static List<String> workerCommand(BundleContext context) throws Exception {
        String property = context.getProperty("sockethub.worker.command");
        List<String> command = new ArrayList<>();
        if (property != null) {
            for (JsonNode part : JSON.readTree(property)) {
                command.add(part.asText());
            }
        }
        return command;
    }

    private static String versionOf(Version v) {
        String base = v.getMajor() + "." + v.getMinor() + "." + v.getMicro();
        return v.getQualifier().isEmpty() ? base : base + "-" + v.getQualifier();
    }

    private static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
