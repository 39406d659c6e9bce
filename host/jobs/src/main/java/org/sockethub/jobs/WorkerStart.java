package org.sockethub.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The first line a gateway writes to a worker's stdin: everything the worker needs, secrets
 * included. It never appears on a command line, in the environment, on disk or in Redis.
 *
 * <p>A worker JVM runs one or more platforms ({@code workers.groups}), each reading its own lane.
 *
 * @param key          the node's job key, base64 (see {@link JobCipher})
 * @param redis        where the streams are: one Redis or a Redis Cluster
 * @param nodeId       the gateway node
 * @param name         the worker's name in logs: its lane, or its platforms joined by {@code +}
 * @param members      the platforms it runs, one lane each
 * @param consumer     this worker's consumer name in each lane's jobs group
 * @param heartbeatMs  how often to write a heartbeat line to stdout
 * @param jobTimeoutMs after this long a job is given up (the gateway has already answered it)
 * @param sentry       the {@code sentry} settings (error reporting is on when its {@code dsn} is set)
 */
public record WorkerStart(String key, RedisTarget redis, String nodeId, String name, List<Member> members, String consumer,
                          long heartbeatMs, long jobTimeoutMs, ObjectNode sentry) {

    /**
     * Where a worker keeps its Felix cache: named after its host and itself, so that the host
     * deletes it when the worker exits, and the next host on the machine sweeps it if the host was
     * killed. The worker makes it (it boots its framework before it reads its start message).
     *
     * @param hostPid   the gateway's process
     * @param workerPid the worker's process
     * @return the folder
     */
    public static java.nio.file.Path cacheDir(long hostPid, long workerPid) {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "sockethub-worker-" + hostPid + "-" + workerPid);
    }

    /**
     * One platform of a worker.
     *
     * @param platformId  the platform
     * @param lane        the jobs stream it reads ({@link JobStreams#jobs}): the platform id, or
     *                    {@code <platform>/<instance>} for a worker of its own per instance
     * @param bundle      the platform bundle's location (a {@code file:} URL)
     * @param config      the platform's merged configuration
     * @param concurrency jobs run at once (stateless platforms)
     */
    public record Member(String platformId, String lane, String bundle, ObjectNode config, int concurrency) {
    }

    /**
     * The one other line a gateway may write to a worker's stdin, when the worker's platforms
     * change: take no more jobs, finish the running ones, then exit. Closing stdin means: exit now.
     */
    public static final String DRAIN = "{\"type\":\"drain\"}";
}
