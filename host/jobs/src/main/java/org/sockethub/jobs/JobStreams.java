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
