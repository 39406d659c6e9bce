package org.sockethub.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host: resolves configuration and Redis, then runs the embedded Felix with the gateway,
 * the shipped platforms and FileInstall watching the drop-in folder, until it is stopped
 * (SIGTERM, SIGINT).
 */
final class HostMain {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HostMain() {
    }

    static int run(String[] args, Map<String, String> env) throws Exception {
        configureLogFormat();
        PrintStream out = System.out;
        Cli cli;
        try {
            cli = Cli.parse(args);
        } catch (Cli.UsageException e) {
            System.err.println("sockethub: " + e.getMessage() + " (see --help)");
            return 1;
        }
        if (cli.has("help")) {
            out.print(Cli.USAGE);
            return 0;
        }
        if (cli.has("version")) {
            out.println(Layout.version());
            return 0;
        }
        Layout layout = Layout.detect();
        Path workingDir = Path.of("").toAbsolutePath();
        if (cli.values().containsKey("write-config")) {
            return writeConfig(cli.value("write-config"), layout.base(workingDir), out);
        }
        org.sockethub.jobs.JobCipher.warmUpInBackground(); // for the first job, while the server starts
        Configuration configuration;
        try {
            configuration = Configuration.load(cli, env, workingDir, layout.base(workingDir));
        } catch (ConfigException e) {
            System.err.println("sockethub: " + e.getMessage());
            return 1;
        }
        ObjectNode config = configuration.json();
        configureLogging(config.path("logging").path("level").asText("info"));
        Logger log = LoggerFactory.getLogger("sockethub");
        if (ErrorReporting.start(config.path("sentry"), "host", Map.of())) {
            log.info("reporting errors to Sentry ({})", config.path("sentry").path("environment").asText("production"));
            Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
                log.error("uncaught in {}", thread.getName(), error);
                ErrorReporting.report(error);
            });
        }
        if (cli.has("sentry-test")) {
            if (!ErrorReporting.enabled()) {
                System.err.println("sockethub: --sentry-test needs a Sentry DSN (sentry.dsn, SENTRY_DSN or --sentry.dsn)");
                return 1;
            }
            ErrorReporting.report(Map.of("message", "sockethub sentry test event", "level", "warning"));
            ErrorReporting.flush(10_000);
            out.println("sent a test event to Sentry");
            return 0;
        }

        RedisLocator.Choice redis;
        java.util.List<String> clusterNodes = new java.util.ArrayList<>();
        config.path("redis").path("cluster").path("nodes").forEach(n -> clusterNodes.add(n.asText()));
        boolean workersOnly = cli.has("workers-only");
        try {
            redis = !clusterNodes.isEmpty()
                    ? RedisLocator.cluster(clusterNodes, config.path("redis").path("startWaitMs").asLong(30_000),
                            line -> System.err.println("sockethub: " + line))
                    : RedisLocator.locate(config.path("redis").path("url").asText(""), RedisLocator.LOCAL,
                    config.path("redis").path("startWaitMs").asLong(30_000), line -> System.err.println("sockethub: " + line),
                    // the port answers 503 (/health: Redis unreachable) while the host waits (a worker host has no port)
                    workersOnly ? () -> () -> { } : () -> WaitingHealth.open(config.path("sockethub").path("host").asText("localhost"),
                            config.path("sockethub").path("port").asInt(), line -> System.err.println("sockethub: " + line)));
        } catch (ConfigException e) {
            System.err.println("sockethub: " + e.getMessage());
            return 1;
        }
        if (clusterNodes.isEmpty()) {
            config.withObjectProperty("redis").put("url", redis.url());
        }
        Path deploy = Path.of(config.path("deploy").path("dir").asText());

        if (config.path("info").asBoolean()) {
            out.println("sockethub " + Layout.version());
            out.println("  java:      " + System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")");
            out.println("  config:    " + (configuration.source() == null ? "(defaults)" : configuration.source()));
            out.println("  listen:    ws://" + config.path("sockethub").path("host").asText() + ":"
                    + config.path("sockethub").path("port").asInt() + config.path("sockethub").path("path").asText());
            out.println("  redis:     " + RedisLocator.redact(redis.url()) + " (" + redis.how() + ")");
            out.println("  platforms: " + names(FelixBoot.jarsIn(layout.platforms())));
            out.println("  deploy:    " + deploy + " " + names(FelixBoot.jarsIn(deploy)));
            stopEmbedded(redis);
            return 0;
        }
        log.info("redis {} ({})", RedisLocator.redact(redis.url()), redis.how());
        if (workersOnly) {
            if (redis.embedded() != null) {
                stopEmbedded(redis);
                System.err.println("sockethub: --workers-only needs the gateway nodes' Redis (--redis.url, REDIS_URL or --redis.cluster.nodes)");
                return 1;
            }
            return WorkerHost.run(config, layout, clusterNodes.isEmpty() ? org.sockethub.jobs.RedisTarget.single(redis.url())
                    : org.sockethub.jobs.RedisTarget.cluster(clusterNodes), deploy, log);
        }

        Files.createDirectories(deploy);
        Map<String, String> props = new HashMap<>();
        props.put("org.osgi.framework.storage", FelixBoot.hostCacheDir().toString());
        props.put("org.osgi.framework.storage.clean", "onFirstInit");
        props.put("felix.log.level", "1");
        // the host's libraries (Jetty, Redisson, Jackson, networknt, slf4j, the platform API…) come
        // from the class path, loaded once by the application class loader: bundles import them
        // from the framework as they would from their bundles
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, FelixBoot.exportsOf(layout.hostLibraries()));
        props.put("felix.fileinstall.dir", deploy.toString());
        props.put("felix.fileinstall.poll", config.path("deploy").path("pollMs").asText("500"));
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("felix.fileinstall.filter", ".*\\.jar");
        props.put("felix.fileinstall.bundles.new.start", "true");
        props.put("felix.fileinstall.log.level", "2");
        props.put("sockethub.config", JSON.writeValueAsString(config));
        String stopGrace = System.getProperty("sockethub.worker.stopGraceMs");
        if (stopGrace != null) {
            props.put("sockethub.worker.stopGraceMs", stopGrace);
        }
        List<String> workerCommand = List.of("-cp", layout.classPath(), Main.class.getName(), "--worker");
        props.put("sockethub.worker.command", JSON.writeValueAsString(workerCommand));
        // the workers that start with the gateway boot now, beside the host (the gateway takes them)
        SpareWorkers spares = SpareWorkers.start(config, workerCommand);

        // the shipped platforms start before the gateway: it then activates knowing them, and the
        // workers that start with the server boot while it opens its port
        List<Path> gateway = FelixBoot.jarsIn(layout.bundles()).stream()
                .filter(p -> p.getFileName().toString().startsWith("sockethub-gateway")).toList();
        List<Path> jars = new ArrayList<>(FelixBoot.jarsIn(layout.bundles()));
        jars.removeAll(gateway);
        jars.addAll(FelixBoot.jarsIn(layout.platforms()));
        jars.addAll(gateway);
        if (cli.has("console")) { // the Gogo shell on this terminal, with the sockethub:* commands
            jars.addAll(FelixBoot.jarsIn(layout.consoleBundles()));
            props.put("gosh.args", "--noshutdown"); // leaving the shell does not stop the server
        }
        if (jars.isEmpty()) {
            System.err.println("sockethub: no bundles in " + layout.bundles() + " (build with ./sockethub or mvn install)");
            spares.close();
            stopEmbedded(redis);
            return 1;
        }
        Framework framework = FelixBoot.start(props, jars, log::warn, context -> context.registerService(
                java.util.function.Function.class, spares, new java.util.Hashtable<>(Map.of("sockethub.spares", "workers"))));
        if (ErrorReporting.enabled()) { // for the gateway, in JDK types: no class is shared
            Consumer<Map<String, Object>> reporter = ErrorReporting::report;
            framework.getBundleContext().registerService(Consumer.class, reporter,
                    new java.util.Hashtable<>(Map.of("sockethub.errors", "report")));
        }
        String failure = awaitGateway(framework, 120_000);
        if (failure != null) {
            System.err.println("sockethub: " + failure);
            ErrorReporting.report(Map.of("message", "sockethub did not start: " + failure));
            ErrorReporting.flush(5_000);
            framework.stop();
            framework.waitForStop(15_000);
            spares.close();
            stopEmbedded(redis);
            return 1;
        }
        IdleCollector.start(10_000);
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            spares.close();
            try {
                framework.stop();
                framework.waitForStop(15_000);
            } catch (Exception e) {
                log.warn("stopping the framework: {}", e.toString());
            }
            stopEmbedded(redis);
            ErrorReporting.flush(2_000);
        }, "sockethub-shutdown"));
        framework.waitForStop(0);
        return 0;
    }

    /** {@code --write-config}: every default, never over an existing file; by default where it is read from. */
    private static int writeConfig(String target, Path base, PrintStream out) throws Exception {
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Configuration.defaults()) + "\n";
        if ("-".equals(target)) {
            out.print(text);
            return 0;
        }
        Path file = target == null || target.isEmpty() ? base.resolve("sockethub.config.json") : Path.of(target).toAbsolutePath();
        if (Files.exists(file)) {
            System.err.println("sockethub: " + file + " exists; not overwriting it");
            return 1;
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        out.println("wrote " + file);
        return 0;
    }

    /** @return {@code null} once the gateway listens, else why it did not start */
    private static String awaitGateway(Framework framework, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        var context = framework.getBundleContext();
        while (System.currentTimeMillis() < deadline) {
            var refs = context.getServiceReferences((String) null, "(sockethub.gateway=*)");
            if (refs != null) {
                for (var ref : refs) {
                    if ("listening".equals(ref.getProperty("sockethub.gateway"))) {
                        return null;
                    }
                    if ("failed".equals(ref.getProperty("sockethub.gateway"))) {
                        return "the gateway did not start: " + ref.getProperty("sockethub.error");
                    }
                }
            }
            Thread.sleep(25);
        }
        return "the gateway did not start within " + timeoutMs / 1000 + " s (see the log above)";
    }

    private static String names(List<Path> jars) {
        return jars.stream().map(p -> p.getFileName().toString()).toList().toString();
    }

    private static void stopEmbedded(RedisLocator.Choice redis) {
        if (redis.embedded() != null) {
            try {
                redis.embedded().stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }
    }

    /**
     * The log format, for the launcher and the bundles alike (one slf4j-simple, on the class path).
     * Set before anything logs: slf4j-simple reads its format once, when the first logger is made.
     */
    static void configureLogFormat() {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.out");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        for (String noisy : List.of("org.eclipse.jetty", "org.redisson", "io.netty", "com.networknt")) {
            System.setProperty("org.slf4j.simpleLogger.log." + noisy, "warn");
        }
    }

    /** Logger names under which everything of ours and of our libraries logs. */
    private static final List<String> TOP_LEVEL_LOGGERS = List.of("sockethub", "org", "com", "io", "net", "reactor", "platform", "worker");

    /**
     * The configured level. slf4j-simple reads per-logger levels whenever a logger is made, so this
     * holds for every logger made from here on, although the configuration's own checks may
     * already have started slf4j.
     */
    private static void configureLogging(String level) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        for (String top : TOP_LEVEL_LOGGERS) {
            System.setProperty("org.slf4j.simpleLogger.log." + top, level);
        }
    }
}
