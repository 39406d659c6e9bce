package org.sockethub.gateway.workers;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamConsumer;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.Utf8Codec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of worker hosts ({@code --workers-only}): their workers read this node's
 * stateless lanes as more consumers of each lane's group. When a worker host dies (its beat in
 * {@link JobStreams#WORKER_HOSTS} ran out and its heartbeat key is gone, at two looks 1.5 s apart),
 * every job its workers had taken from this node's lanes is answered once, as for a worker of
 * this node's own ({@link JobRouter#failTaken}: an error, or one more run for an idempotent verb).
 * Entries of worker hosts dead for a minute leave the registry.
 */
public final class WorkerHosts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerHosts.class);
    /** The answer to a job taken by a worker host that died. */
    public static final String DIED = "Error: session thread closed unexpectedly: the worker host running it stopped";
    /** KEYS[1] the registry: entries whose beat ran out more than a minute ago leave it. */
    private static final String FORGET = "local t = redis.call('TIME')\n"
            + "return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (t[1] * 1000 + math.floor(t[2] / 1000) - 60000))\n";

    private final RedissonClient redis;
    private final JobRouter router;
    private final Supplier<List<Lane>> lanes;
    /** Worker hosts seen stale. */
    private final Absences stale = new Absences(1_500);
    /** Worker hosts whose taken jobs this node has answered. */
    private final Set<String> handled = new HashSet<>();
    private final ScheduledFuture<?> looks;

    /**
     * @param redis  the node's Redis
     * @param router answers the jobs
     * @param lanes  this node's lanes of stateless platforms (those worker hosts read)
     * @param timers where the looks run, every second
     */
    public WorkerHosts(RedissonClient redis, JobRouter router, Supplier<List<Lane>> lanes, ScheduledExecutorService timers) {
        this.redis = redis;
        this.router = router;
        this.lanes = lanes;
        this.looks = timers.scheduleWithFixedDelay(() -> {
            try {
                look();
            } catch (RuntimeException e) {
                LOG.warn("looking at worker hosts failed: {}", e.toString());
            }
        }, 1_000, 1_000, TimeUnit.MILLISECONDS);
    }

    /** @return the worker hosts found dead at this look */
    synchronized List<String> look() {
        List<Object> out = redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_ONLY, JobStreams.STALE_SCRIPT,
                RScript.ReturnType.LIST, List.of(JobStreams.WORKER_HOSTS));
        Set<String> now = new HashSet<>();
        out.forEach(h -> now.add(String.valueOf(h)));
        handled.retainAll(now);
        now.removeAll(handled);
        List<String> dead = new java.util.ArrayList<>();
        for (String host : stale.longEnough(now)) {
            if (!redis.getBucket(JobStreams.alive(host), Utf8Codec.INSTANCE).isExists()) {
                int answered = 0;
                for (Lane lane : lanes.get()) {
                    for (StreamConsumer consumer : consumers(lane)) {
                        if (host.equals(JobStreams.workerHostOf(consumer.getName()))) {
                            answered += router.failTaken(lane, consumer.getName(), DIED);
                        }
                    }
                }
                handled.add(host);
                stale.done(host);
                dead.add(host);
                LOG.warn("worker host {} stopped; {} job(s) it had taken from this node answered with an error", host, answered);
            }
        }
        redis.getScript(Utf8Codec.INSTANCE).eval(RScript.Mode.READ_WRITE, FORGET, RScript.ReturnType.LONG,
                List.of(JobStreams.WORKER_HOSTS));
        return dead;
    }

    private List<StreamConsumer> consumers(Lane lane) {
        try {
            return redis.<String, String>getStream(JobStreams.jobs(router.nodeId(), lane.name()), Utf8Codec.INSTANCE)
                    .listConsumers(JobStreams.GROUP);
        } catch (RuntimeException e) {
            return List.of(); // no stream or group yet
        }
    }

    @Override
    public void close() {
        looks.cancel(false);
    }
}
