package org.sockethub.jobs;

/**
 * Names of the Redis streams between one gateway node and its workers. Jobs for a platform go on
 * {@link #jobs(String, String)}, read by the platform's workers in the consumer group
 * {@link #GROUP}; every result, failure and push comes back on {@link #events(String)}, read by
 * the gateway node that owns the sessions. The node id is a hash tag, so one node's streams share
 * a Redis Cluster slot and a worker can finish a job (answer, acknowledge, delete) in one script.
 */
public final class JobStreams {

    /** The consumer group of a jobs stream. */
    public static final String GROUP = "workers";

    /** The single field of every stream entry: the sealed message. */
    public static final String FIELD = "m";

    private JobStreams() {
    }

    /**
     * @param nodeId the gateway node
     * @param lane   a platform id, or {@code <platform>/<instance>} for an isolated instance
     * @return {@code sockethub:{<node>}:jobs:<lane>}
     */
    public static String jobs(String nodeId, String lane) {
        return "sockethub:{" + nodeId + "}:jobs:" + lane;
    }

    /**
     * @param nodeId the gateway node
     * @return {@code sockethub:{<node>}:events}
     */
    public static String events(String nodeId) {
        return "sockethub:{" + nodeId + "}:events";
    }

    /**
     * @param nodeId the gateway node
     * @return {@code sockethub:{<node>}:alive}, the node's heartbeat (a key with a TTL)
     */
    public static String alive(String nodeId) {
        return "sockethub:{" + nodeId + "}:alive";
    }

    /**
     * The registry of live nodes, shared by all: a sorted set of node ids scored by the Redis
     * server's time (ms) of each one's last heartbeat. A single key, so one slot of a cluster.
     */
    public static final String NODES = "sockethub:nodes";

    /**
     * A beat in a registry ({@link #NODES}, {@link #WORKER_HOSTS}): KEYS[1] the registry, ARGV[1]
     * the member, ARGV[2] its TTL (ms); scores it with when its beat runs out, in the Redis
     * server's time (ms): members' clocks and TTLs may differ.
     */
    public static final String BEAT_SCRIPT = "local t = redis.call('TIME')\n"
            + "redis.call('ZADD', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[2]), ARGV[1])\n"
            + "return 1\n";

    /** KEYS[1] a registry: its members whose beat has run out (Redis server time). */
    public static final String STALE_SCRIPT = "local t = redis.call('TIME')\n"
            + "return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (t[1] * 1000 + math.floor(t[2] / 1000)))\n";

    /** KEYS[1] a registry: its members whose beat has not run out (Redis server time). */
    public static final String LIVE_SCRIPT = "local t = redis.call('TIME')\n"
            + "return redis.call('ZRANGEBYSCORE', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000), '+inf')\n";

    /**
     * The registry of worker hosts ({@code --workers-only}), shared by all: a sorted set of worker
     * host ids scored, as {@link #NODES}, by when each one's beat runs out (Redis server time, ms).
     * A worker host's heartbeat is {@link #alive} of its id.
     */
    public static final String WORKER_HOSTS = "sockethub:workerhosts";

    /**
     * @param workerHost a worker host's id ({@code wh-…})
     * @param nodeId     the gateway node whose lanes it reads
     * @param launch     which of its workers for that node (a restarted one gets the next)
     * @return its consumer name in the node's lanes: {@code <workerHost>@<node>#<launch>}
     */
    public static String workerHostConsumer(String workerHost, String nodeId, long launch) {
        return workerHost + "@" + nodeId + "#" + launch;
    }

    /**
     * @param consumer a consumer name in a lane's group
     * @return the worker host it belongs to ({@link #workerHostConsumer}), or {@code null} for a gateway's own worker
     */
    public static String workerHostOf(String consumer) {
        int at = consumer.indexOf('@');
        return consumer.startsWith("wh-") && at > 0 ? consumer.substring(0, at) : null;
    }

    /** A glob matching every key of every node (braces escaped). */
    public static final String ALL_NODES = "sockethub:\\{*\\}:*";

    /**
     * @param key a Redis key
     * @return the node whose key it is ({@code sockethub:{<node>}:…}), or {@code null}
     */
    public static String nodeOf(String key) {
        if (!key.startsWith("sockethub:{")) {
            return null;
        }
        int end = key.indexOf("}:", 11);
        return end <= 11 ? null : key.substring(11, end);
    }

    /**
     * @param nodeId the gateway node
     * @return a glob matching every key of the node (braces escaped)
     */
    public static String all(String nodeId) {
        return "sockethub:\\{" + nodeId + "\\}:*";
    }

    /**
     * The Lua script a worker runs when a job is over: adds the sealed answer (ARGV[2], empty for
     * none) to the events stream (KEYS[2]), acknowledges the job entry ARGV[1] in the group
     * ARGV[3] of the jobs stream (KEYS[1]) and deletes it. One round trip instead of three.
     */
    public static final String FINISH_SCRIPT =
            "if ARGV[2] ~= '' then redis.call('XADD', KEYS[2], '*', 'm', ARGV[2]) end\n"
            + "redis.call('XACK', KEYS[1], ARGV[3], ARGV[1])\n"
            + "redis.call('XDEL', KEYS[1], ARGV[1])\n"
            + "return 1\n";
}
