package org.sockethub.gateway.workers;

import java.util.List;
import org.sockethub.jobs.WorkerGroups;

/**
 * How workers are started and watched.
 *
 * @param command          the worker command without JVM options: class path and main class
 *                         (e.g. {@code -cp <path> org.sockethub.launcher.Main --worker})
 * @param maxHeapMb        {@code -Xmx} of each worker
 * @param restartBackoffMs first restart delay; doubles up to 30 s while a worker keeps dying
 * @param heartbeatMs      how often a worker reports (≤ 0: never, and never timed out)
 * @param heartbeatTimeoutMs silence after which a worker is declared dead
 * @param jobTimeoutMs     how long a job may take
 * @param redis            the Redis (or Redis Cluster) workers connect to
 * @param nodeId           this gateway node
 * @param key              the node's job key
 * @param sentry           the {@code sentry} settings, handed to workers
 * @param drainTimeoutMs   how long a replaced worker may take to finish the jobs it is running
 *                         ({@code workers.drainTimeoutMs}); what is still running then is failed
 * @param groups           which platforms share a worker, and which workers start with the gateway
 * @param javaOptions      extra JVM options for workers ({@code workers.javaOptions})
 * @param stopGraceMs      how long a worker may take to exit once its stdin is closed before it is
 *                         killed (3 s; the framework property {@code sockethub.worker.stopGraceMs})
 * @param idleStopMs       how long a worker started on first use may sit idle (no job, no
 *                         instance) before it is stopped ({@code workers.idleStopMs}; 0: never)
 * @param spares           a worker process started ahead with exactly this command line, if the
 *                         launcher has one (it boots while the gateway starts), else {@code null}
 */
public record WorkerSettings(List<String> command, int maxHeapMb, long restartBackoffMs, long heartbeatMs,
                             long heartbeatTimeoutMs, long jobTimeoutMs, org.sockethub.jobs.RedisTarget redis, String nodeId, byte[] key,
                             com.fasterxml.jackson.databind.node.ObjectNode sentry, long drainTimeoutMs,
                             WorkerGroups groups, List<String> javaOptions, long stopGraceMs,
                             long idleStopMs, java.util.function.Function<List<String>, Process> spares) {
}
