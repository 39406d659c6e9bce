package org.sockethub.jobs;

/**
 * Names of the Redis streams between one gateway node and its workers. Jobs for a platform go on
 * {@link #jobs(String, String)}, read by the platform's workers in the consumer group
 * {@link #GROUP}; every result, failure and push comes back on {@link #events(String)}, read by
 * the gateway node that owns the sessions.
 */
public final class JobStreams {

    /** The consumer group of a jobs stream. */
    public static final String GROUP = "workers";

    /** The single field of every stream entry: the sealed message. */
    public static final String FIELD = "m";

    private JobStreams() {
    }

    /**
     * @param nodeId     the gateway node
     * @param platformId the platform
     * @return {@code sockethub:<node>:jobs:<platform>}
     */
    public static String jobs(String nodeId, String platformId) {
        return "sockethub:" + nodeId + ":jobs:" + platformId;
    }

    /**
     * @param nodeId the gateway node
     * @return {@code sockethub:<node>:events}
     */
    public static String events(String nodeId) {
        return "sockethub:" + nodeId + ":events";
    }
}
