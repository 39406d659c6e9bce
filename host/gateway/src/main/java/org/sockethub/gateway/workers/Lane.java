package org.sockethub.gateway.workers;

/**
 * Where a job goes: one jobs stream and the worker JVM that reads it. By default a platform has
 * one lane for all its instances; with {@code workers.isolation: per-instance} each persistent
 * instance has its own lane, so its connection lives in a JVM of its own.
 *
 * @param platformId the platform
 * @param name       the stream suffix and worker name: the platform id, or
 *                   {@code <platform>/<instance handle>}
 */
public record Lane(String platformId, String name) {

    /**
     * @param platformId a platform
     * @return the lane shared by all of its instances
     */
    public static Lane of(String platformId) {
        return new Lane(platformId, platformId);
    }

    /**
     * @param platformId a platform
     * @param handle     one of its instances
     * @return that instance's own lane
     */
    public static Lane ofInstance(String platformId, String handle) {
        return new Lane(platformId, platformId + "/" + handle);
    }

    /**
     * @param platformId a platform
     * @param node       the gateway node that holds an instance this node's sessions use
     * @return the jobs this node forwards to that node for the platform (no stream or worker of
     *         this node: {@link JobRouter#forward})
     */
    public static Lane onNode(String platformId, String node) {
        return new Lane(platformId, platformId + "@" + node);
    }

    /** @return whether this lane's jobs go to another gateway node ({@link #onNode}) */
    public boolean remote() {
        return name.indexOf('@') > 0;
    }

    /** @return whether this lane serves a single instance */
    public boolean isolated() {
        return !name.equals(platformId);
    }

    // Written out, not the record's: those are linked through an invokedynamic bootstrap at their
    // first call, ~15 ms of a cold JVM on the first job's path (every job looks its lane up).

    @Override
    public boolean equals(Object o) {
        return o instanceof Lane other && platformId.equals(other.platformId) && name.equals(other.name);
    }

    @Override
    public int hashCode() {
        return 31 * platformId.hashCode() + name.hashCode();
    }

    @Override
    public String toString() {
        return "Lane[platformId=" + platformId + ", name=" + name + "]";
    }
}
