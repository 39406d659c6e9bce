package org.sockethub.jobs;

import java.util.List;

/**
 * Where a process finds Redis: one server ({@code redis.url}) or a Redis Cluster
 * ({@code redis.cluster.nodes}, any of its nodes; the client learns the rest from them). Every
 * key this project writes carries its node's hash tag ({@code sockethub:{<node>}:…}, see
 * {@link JobStreams}) or is a single key, so each script and multi-key command stays in one slot.
 *
 * @param url          the single server's {@code redis://host:port}, or {@code null} for a cluster
 * @param clusterNodes the cluster's seed nodes ({@code redis://host:port} each), empty for a single server
 */
public record RedisTarget(String url, List<String> clusterNodes) {

    /** @throws IllegalArgumentException unless exactly one of the two is given */
    public RedisTarget {
        clusterNodes = clusterNodes == null ? List.of() : List.copyOf(clusterNodes);
        if ((url == null) == clusterNodes.isEmpty()) {
            throw new IllegalArgumentException("a Redis URL or a Redis Cluster's nodes, one of the two");
        }
    }

    /**
     * @param url {@code redis://host:port} (or {@code rediss://})
     * @return one server
     */
    public static RedisTarget single(String url) {
        return new RedisTarget(url, List.of());
    }

    /**
     * @param nodes seed nodes, {@code redis://host:port} each
     * @return a Redis Cluster
     */
    public static RedisTarget cluster(List<String> nodes) {
        return new RedisTarget(null, nodes);
    }

    /** @return whether this is a Redis Cluster */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isCluster() {
        return !clusterNodes.isEmpty();
    }

    /** @return for logs: the URL or the nodes, without passwords */
    @Override
    public String toString() {
        return isCluster()
                ? "cluster " + String.join(",", clusterNodes.stream().map(RedisTarget::redact).toList())
                : redact(url);
    }

    /**
     * @param url a Redis URL
     * @return it without its password
     */
    public static String redact(String url) {
        return url.replaceAll("//[^@/]*@", "//***@");
    }
}
