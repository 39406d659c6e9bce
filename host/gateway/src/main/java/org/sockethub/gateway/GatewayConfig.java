package org.sockethub.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The gateway's view of the resolved configuration (file, environment and flags already merged
 * and validated by the launcher). Missing keys take the documented defaults, so the gateway also
 * runs in a bare OSGi container with no configuration at all.
 */
public record GatewayConfig(JsonNode root) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * ConfigAdmin and DS properties that are not settings: the framework's own, and a
     * reference's {@code <name>.target} and {@code <name>.cardinality.minimum}.
     */
    private static final java.util.regex.Pattern NOT_A_SETTING = java.util.regex.Pattern.compile(
            "^(service|component|felix|osgi|objectClass)(\\..*)?$|^[^.]+\\.(target|cardinality\\.minimum)$");
    /** A property text that is meant as a JSON number, boolean, array or object rather than text. */
    private static final java.util.regex.Pattern JSON_VALUE =
            java.util.regex.Pattern.compile("^(-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?|true|false|null|\\[.*\\]|\\{.*\\})$", java.util.regex.Pattern.DOTALL);

    /**
     * The configuration from the framework property {@code sockethub.config} (the launcher's
     * resolved configuration), with the ConfigAdmin properties of {@code org.sockethub.gateway}
     * on top (Karaf's {@code etc/org.sockethub.gateway.cfg}). A property's dotted name is a path
     * into the configuration ({@code redis.url}, {@code packageConfig.feeds.allowPrivateAddresses});
     * a text value that reads as a JSON number, boolean, array or object is taken as one.
     *
     * @param base       the {@code sockethub.config} JSON, or {@code null}
     * @param properties the component's properties (DS adds its own, which are ignored)
     * @return the configuration
     * @throws IllegalArgumentException naming each bad key, as the launcher does for its file
     */
    public static GatewayConfig resolve(String base, Map<String, ?> properties) {
        GatewayConfig config = parse(base);
        ObjectNode overlay = overlay(properties);
        if (overlay.isEmpty()) {
            return config;
        }
        ObjectNode merged = config.root() instanceof ObjectNode o ? o.deepCopy() : JSON.createObjectNode();
        org.sockethub.jobs.ConfigSchema.merge(merged, overlay);
        java.util.List<String> problems = org.sockethub.jobs.ConfigSchema.problems(merged);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("configuration org.sockethub.gateway is invalid:\n  - "
                    + String.join("\n  - ", problems));
        }
        return new GatewayConfig(merged);
    }

    /**
     * @param properties ConfigAdmin properties
     * @return them as a configuration object
     */
    static ObjectNode overlay(Map<String, ?> properties) {
        ObjectNode out = JSON.createObjectNode();
        for (Map.Entry<String, ?> p : new java.util.TreeMap<>(properties).entrySet()) {
            if (NOT_A_SETTING.matcher(p.getKey()).matches() || p.getValue() == null) {
                continue;
            }
            String[] path = p.getKey().split("\\.");
            ObjectNode at = out;
            for (int i = 0; i < path.length - 1; i++) {
                at = at.withObjectProperty(path[i]);
            }
            at.set(path[path.length - 1], value(p.getValue()));
        }
        return out;
    }

    private static JsonNode value(Object v) {
        if (v instanceof String text) {
            String t = text.strip();
            if (JSON_VALUE.matcher(t).matches()) {
                try {
                    return JSON.readTree(t);
                } catch (IOException notJson) {
                    // text after all
                }
            }
            return JSON.getNodeFactory().textNode(text);
        }
        return JSON.valueToTree(v);
    }

    /**
     * @param json the configuration as JSON text, or {@code null} for all defaults
     * @return the configuration
     */
    public static GatewayConfig parse(String json) {
        try {
            return new GatewayConfig(json == null || json.isBlank() ? JSON.createObjectNode() : JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("sockethub.config is not JSON", e);
        }
    }

    public String host() {
        return root.path("sockethub").path("host").asText("127.0.0.1");
    }

    public int port() {
        return root.path("sockethub").path("port").asInt(10550);
    }

    public String path() {
        return root.path("sockethub").path("path").asText("/sockethub");
    }

    public long maxPayloadBytes() {
        return root.path("sockethub").path("maxPayloadBytes").asLong(262_144);
    }

    public int maxPlatformInstances() {
        return root.path("limits").path("maxPlatformInstances").asInt(100);
    }

    /** @return the {@code sentry} settings (a copy; empty when absent) */
    public ObjectNode sentry() {
        return root.path("sentry") instanceof ObjectNode o ? o.deepCopy() : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }

    /** @return {@code examples}: serve the examples pages */
    public boolean examples() {
        return root.path("examples").asBoolean(false);
    }

    /** @return {@code httpActions.enabled} */
    public boolean httpActionsEnabled() {
        return root.path("httpActions").path("enabled").asBoolean(false);
    }

    /** @return the {@code httpActions.*} settings */
    public org.sockethub.gateway.http.HttpActionsSettings httpActions() {
        JsonNode h = root.path("httpActions");
        JsonNode rate = root.path("rateLimiter");
        return new org.sockethub.gateway.http.HttpActionsSettings(h.path("path").asText("/sockethub-http"),
                h.path("requireRequestId").asBoolean(true), h.path("maxMessagesPerRequest").asInt(20),
                h.path("maxPayloadBytes").asLong(262_144), h.path("idempotencyTtlMs").asLong(300_000),
                h.path("requestTimeoutMs").asLong(30_000), h.path("idleTimeoutMs").asLong(15_000), h.path("token").asText(""),
                rate.path("windowMs").asLong(1000), rate.path("maxRequests").asInt(100), corsOrigin());
    }

    /**
     * @return how to find an HTTP client's address ({@code sockethub.trustProxy}; one hop is trusted
     *         when it is false while {@code credentialCheck} reads {@code x-forwarded-for})
     */
    public org.sockethub.gateway.http.TrustProxy trustProxy() {
        boolean auto = "proxy".equals(reconnectIpSource()) && "x-forwarded-for".equalsIgnoreCase(proxyHeader());
        return org.sockethub.gateway.http.TrustProxy.of(root.path("sockethub").get("trustProxy"), auto);
    }

    /** @return whether each persistent instance gets a worker JVM of its own ({@code workers.isolation: per-instance}) */
    public boolean isolatedInstances() {
        return "per-instance".equals(root.path("workers").path("isolation").asText("per-platform"));
    }

    /** @return how often the janitor looks for idle persistent instances (spec §3.9: 15 s) */
    public long janitorIntervalMs() {
        return root.path("janitor").path("intervalMs").asLong(15_000);
    }

    /** @return how long a node's heartbeat key lives in Redis (renewed every sixth of it) */
    public long nodeHeartbeatTtlMs() {
        return root.path("nodeHeartbeat").path("ttlMs").asLong(6_000);
    }

    /**
     * @return the secret every gateway node on one Redis shares ({@code cluster.secret}, env
     *         {@code SOCKETHUB_CLUSTER_SECRET}), or "" when each node keeps to itself
     */
    public String clusterSecret() {
        return root.path("cluster").path("secret").asText("");
    }

    /** @return how often a node looks for the keys of nodes without a heartbeat */
    public long nodeSweepIntervalMs() {
        return root.path("nodeHeartbeat").path("sweepIntervalMs").asLong(20_000);
    }

    public long credentialsTtlMs() {
        return root.path("credentials").path("ttlMs").asLong(604_800_000L);
    }

    public String corsOrigin() {
        return root.path("sockethub").path("cors").path("origin").asText("*");
    }

    public String redisUrl() {
        return root.path("redis").path("url").asText("redis://127.0.0.1:6379");
    }

    /**
     * @return the Redis Cluster of {@code redis.cluster.nodes} when that list is given (then
     *         {@code redis.url} is not used), else the one Redis of {@link #redisUrl()}
     */
    public org.sockethub.jobs.RedisTarget redis() {
        java.util.List<String> nodes = new java.util.ArrayList<>();
        root.path("redis").path("cluster").path("nodes").forEach(n -> nodes.add(n.asText()));
        return nodes.isEmpty() ? org.sockethub.jobs.RedisTarget.single(redisUrl()) : org.sockethub.jobs.RedisTarget.cluster(nodes);
    }

    public long jobTimeoutMs() {
        return root.path("jobs").path("timeoutMs").asLong(60_000);
    }

    /** @return how many unanswered jobs one lane may hold before more are refused ({@code jobs.maxWaiting}) */
    public int jobMaxWaiting() {
        return root.path("jobs").path("maxWaiting").asInt(1_000);
    }

    public int workerMaxHeapMb() {
        return root.path("workers").path("maxHeapMb").asInt(256);
    }

    /**
     * @return which platforms share a worker JVM ({@code workers.groups}, default dummy, feeds and
     *         metadata together) and which workers start with the gateway ({@code workers.prewarm},
     *         default those three; the others start on first use)
     */
    public org.sockethub.jobs.WorkerGroups workerGroups() {
        return org.sockethub.jobs.WorkerGroups.of(root.path("workers"));
    }

    /**
     * @return how long a worker started on first use may be idle (no job, no instance) before it
     *         is stopped ({@code workers.idleStopMs}, default 30 s; 0: never)
     */
    public long workerIdleStopMs() {
        return root.path("workers").path("idleStopMs").asLong(30_000);
    }

    /** @return extra JVM options for worker JVMs ({@code workers.javaOptions}) */
    public java.util.List<String> workerJavaOptions() {
        java.util.List<String> options = new java.util.ArrayList<>();
        root.path("workers").path("javaOptions").forEach(o -> options.add(o.asText()));
        return options;
    }

    /**
     * @return how long a replaced platform's worker may take to finish its running jobs
     *         ({@code workers.drainTimeoutMs}, default 10 s, never more than {@code jobs.timeoutMs})
     */
    public long workerDrainTimeoutMs() {
        return Math.min(jobTimeoutMs(), root.path("workers").path("drainTimeoutMs").asLong(10_000));
    }

    public long workerRestartBackoffMs() {
        return root.path("workers").path("restartBackoffMs").asLong(500);
    }

    public long heartbeatIntervalMs() {
        return root.path("platformHeartbeat").path("intervalMs").asLong(5_000);
    }

    public long heartbeatTimeoutMs() {
        return root.path("platformHeartbeat").path("timeoutMs").asLong(15_000);
    }

    public org.sockethub.gateway.pipeline.RateLimiter.Settings rateLimits() {
        JsonNode r = root.path("rateLimiter");
        return new org.sockethub.gateway.pipeline.RateLimiter.Settings(r.path("windowMs").asLong(1000),
                r.path("maxRequests").asInt(100), r.path("blockDurationMs").asLong(5000));
    }

    /** @return sockets allowed per client address ({@code 0}: no limit) */
    public int maxConnectionsPerIp() {
        return root.path("rateLimiter").path("maxConnectionsPerIp").asInt(20);
    }

    /** @return {@code socket} (the TCP peer) or {@code proxy} (a header set by a trusted proxy) */
    public String reconnectIpSource() {
        return root.path("credentialCheck").path("reconnectIpSource").asText("socket");
    }

    /** @return the header carrying the client address when {@link #reconnectIpSource()} is {@code proxy} */
    public String proxyHeader() {
        return root.path("credentialCheck").path("proxyHeader").asText("x-forwarded-for");
    }

    /**
     * The operator's settings for one platform: {@code packageConfig.<id>}, or the reference's
     * {@code packageConfig["@sockethub/platform-<id>"]}, the former winning.
     *
     * @param platformId the platform
     * @return the settings (empty if none)
     */
    public ObjectNode packageConfig(String platformId) {
        ObjectNode merged = JSON.createObjectNode();
        JsonNode all = root.path("packageConfig");
        if (all.path("@sockethub/platform-" + platformId).isObject()) {
            merged.setAll((ObjectNode) all.get("@sockethub/platform-" + platformId));
        }
        if (all.path(platformId).isObject()) {
            merged.setAll((ObjectNode) all.get(platformId));
        }
        return merged;
    }
}
