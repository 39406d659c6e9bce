package org.sockethub.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.sockethub.jobs.ConfigSchema;

/**
 * The resolved configuration: defaults, then the config file, then environment variables, then
 * flags (each later one wins). The file is validated strictly against the configuration schema
 * (unknown keys, wrong types and bad values stop the start with a message naming the key), and
 * so is the merged result, which catches bad environment values too.
 */
final class Configuration {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode resolved;
    private final Path source;

    private Configuration(ObjectNode resolved, Path source) {
        this.resolved = resolved;
        this.source = source;
    }

    /** @return the resolved configuration (a live view) */
    ObjectNode json() {
        return resolved;
    }

    /** @return the file it was read from, or {@code null} */
    Path source() {
        return source;
    }

    /** @return every setting with its default, and the schema it follows */
    static ObjectNode defaults() {
        ObjectNode out = JSON.createObjectNode();
        out.put("$schema", ConfigSchema.ID);
        out.setAll(readResource("defaults.json"));
        return out;
    }

    /**
     * @param workingDir what a path given on the command line or in {@code SOCKETHUB_CONFIG} is relative to
     * @param base       where the default config file is, and what a relative {@code deploy.dir} of the
     *                   file or the defaults is relative to ({@link Layout#base})
     * @return the configuration, {@code deploy.dir} absolute
     */
    static Configuration load(Cli cli, Map<String, String> env, Path workingDir, Path base) throws ConfigException {
        ObjectNode config = readResource("defaults.json");
        Path file = configFile(cli, env, workingDir, base);
        if (file != null) {
            JsonNode fromFile;
            try {
                fromFile = JSON.readTree(Files.readString(file));
            } catch (JsonProcessingException e) {
                throw new ConfigException("config file " + file + " is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
            }
            check(fromFile, "config file " + file);
            ConfigSchema.merge(config, (ObjectNode) fromFile);
        }
        applyEnvironment(config, env);
        applyFlags(config, cli, workingDir);
        check(config, "configuration (after environment variables and flags)");
        ObjectNode deploy = config.withObjectProperty("deploy");
        deploy.put("dir", base.resolve(deploy.path("dir").asText("deploy")).normalize().toString());
        return new Configuration(config, file);
    }

    private static Path configFile(Cli cli, Map<String, String> env, Path workingDir, Path base) throws ConfigException {
        String explicit = cli.value("config");
        if (explicit == null) {
            explicit = nonEmpty(env.get("SOCKETHUB_CONFIG"));
        }
        if (explicit != null) {
            Path p = workingDir.resolve(explicit);
            if (!Files.isRegularFile(p)) {
                throw new ConfigException("config file " + p + " does not exist");
            }
            return p;
        }
        Path fallback = base.resolve("sockethub.config.json");
        return Files.isRegularFile(fallback) ? fallback : null;
    }

    private static void applyEnvironment(ObjectNode config, Map<String, String> env) throws ConfigException {
        setInt(config, "sockethub", "port", env.get("PORT"), "PORT");
        setText(config, "sockethub", "host", env.get("HOST"));
        setInt(config, "sockethub", "maxPayloadBytes", env.get("SOCKETHUB_MAX_PAYLOAD_BYTES"), "SOCKETHUB_MAX_PAYLOAD_BYTES");
        setInt(config, "credentials", "ttlMs", env.get("SOCKETHUB_CREDENTIALS_TTL_MS"), "SOCKETHUB_CREDENTIALS_TTL_MS");
        setInt(config, "platformHeartbeat", "intervalMs", env.get("SOCKETHUB_PLATFORM_HEARTBEAT_INTERVAL_MS"),
                "SOCKETHUB_PLATFORM_HEARTBEAT_INTERVAL_MS");
        setInt(config, "platformHeartbeat", "timeoutMs", env.get("SOCKETHUB_PLATFORM_HEARTBEAT_TIMEOUT_MS"),
                "SOCKETHUB_PLATFORM_HEARTBEAT_TIMEOUT_MS");
        setText(config, "logging", "level", env.get("LOG_LEVEL"));
        setBool(config, "httpActions", "enabled", env.get("SOCKETHUB_HTTP_ACTIONS_ENABLED"), "SOCKETHUB_HTTP_ACTIONS_ENABLED");
        setText(config, "httpActions", "path", env.get("SOCKETHUB_HTTP_ACTIONS_PATH"));
        setBool(config, "httpActions", "requireRequestId", env.get("SOCKETHUB_HTTP_ACTIONS_REQUIRE_REQUEST_ID"),
                "SOCKETHUB_HTTP_ACTIONS_REQUIRE_REQUEST_ID");
        for (String[] key : new String[][] {{"maxMessagesPerRequest", "MAX_MESSAGES_PER_REQUEST"}, {"maxPayloadBytes", "MAX_PAYLOAD_BYTES"},
                {"idempotencyTtlMs", "IDEMPOTENCY_TTL_MS"}, {"requestTimeoutMs", "REQUEST_TIMEOUT_MS"}, {"idleTimeoutMs", "IDLE_TIMEOUT_MS"}}) {
            String name = "SOCKETHUB_HTTP_ACTIONS_" + key[1];
            setInt(config, "httpActions", key[0], env.get(name), name);
        }
        setText(config, "httpActions", "token", env.get("SOCKETHUB_HTTP_ACTIONS_TOKEN"));
        setText(config, "sentry", "dsn", env.get("SENTRY_DSN"));
        setText(config, "sentry", "environment", env.get("SENTRY_ENVIRONMENT"));
        setText(config, "sentry", "release", env.get("SENTRY_RELEASE"));
        String trustProxy = nonEmpty(env.get("SOCKETHUB_TRUST_PROXY"));
        if (trustProxy != null) { // "true"/"false" and numbers are read as such by the gateway
            config.withObjectProperty("sockethub").put("trustProxy", trustProxy);
        }
        String debug = env.get("DEBUG");
        if (debug != null && java.util.Arrays.stream(debug.split("[,\\s]+")).anyMatch(d -> d.startsWith("sockethub") || d.equals("*"))) {
            config.withObjectProperty("logging").put("level", "debug"); // the server README's DEBUG=sockethub*
        }
        if (env.get("SOCKETHUB_CORS_ORIGIN") != null) {
            config.withObjectProperty("sockethub").withObjectProperty("cors").put("origin", env.get("SOCKETHUB_CORS_ORIGIN"));
        }
        String redisUrl = nonEmpty(env.get("REDIS_URL"));
        if (redisUrl == null && nonEmpty(env.get("REDIS_HOST")) != null) {
            String port = nonEmpty(env.get("REDIS_PORT"));
            redisUrl = "redis://" + env.get("REDIS_HOST") + ":" + (port == null ? "6379" : port);
        }
        setRedisUrl(config, redisUrl);
        setClusterNodes(config, env.get("REDIS_CLUSTER_NODES"));
        setText(config, "cluster", "secret", env.get("SOCKETHUB_CLUSTER_SECRET")); // no flag: argv is visible to every user
    }

    /** A Redis URL given by the environment or a flag also overrides a Redis Cluster of the layers below. */
    private static void setRedisUrl(ObjectNode config, String url) {
        if (nonEmpty(url) != null) {
            config.withObjectProperty("redis").remove("cluster");
            setText(config, "redis", "url", url);
        }
    }

    /** A comma-separated list of Redis Cluster nodes ({@code REDIS_CLUSTER_NODES}, {@code --redis.cluster.nodes}). */
    private static void setClusterNodes(ObjectNode config, String list) {
        if (nonEmpty(list) == null) {
            return;
        }
        com.fasterxml.jackson.databind.node.ArrayNode nodes = config.withObjectProperty("redis").withObjectProperty("cluster").putArray("nodes");
        for (String node : list.split(",")) {
            if (!node.isBlank()) {
                nodes.add(node.strip());
            }
        }
    }

    private static void applyFlags(ObjectNode config, Cli cli, Path workingDir) throws ConfigException {
        setInt(config, "sockethub", "port", cli.value("port"), "--port");
        setText(config, "sockethub", "host", cli.value("host"));
        setRedisUrl(config, cli.value("redis.url"));
        setClusterNodes(config, cli.value("redis.cluster.nodes"));
        if (cli.value("cors.origin") != null) {
            config.withObjectProperty("sockethub").withObjectProperty("cors").put("origin", cli.value("cors.origin"));
        }
        if (cli.value("deploy") != null) {
            setText(config, "deploy", "dir", workingDir.resolve(cli.value("deploy")).toString());
        }
        setText(config, "sentry", "dsn", cli.value("sentry.dsn"));
        if (cli.has("examples")) {
            config.put("examples", true);
        }
        if (cli.has("info")) {
            config.put("info", true);
        }
    }

    private static void setText(ObjectNode config, String section, String key, String value) {
        if (nonEmpty(value) != null) {
            config.withObjectProperty(section).put(key, value);
        }
    }

    private static void setInt(ObjectNode config, String section, String key, String value, String name) throws ConfigException {
        if (nonEmpty(value) == null) {
            return;
        }
        try {
            config.withObjectProperty(section).put(key, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, got \"" + value + "\"");
        }
    }

    private static void setBool(ObjectNode config, String section, String key, String value, String name) throws ConfigException {
        String v = nonEmpty(value) == null ? null : value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v == null) {
            return;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigException(name + " must be true or false, got \"" + value + "\"");
        }
        config.withObjectProperty(section).put(key, v.equals("true"));
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void check(JsonNode config, String what) throws ConfigException {
        if (!config.isObject()) {
            throw new ConfigException(what + " must be a JSON object");
        }
        List<String> problems = ConfigSchema.problems(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(what + " is invalid:\n" + problems.stream()
                    .map(p -> "  - " + p).collect(Collectors.joining("\n")));
        }
    }

    private static ObjectNode readResource(String name) {
        try (InputStream in = Configuration.class.getResourceAsStream(name)) {
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
