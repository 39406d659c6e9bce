package org.sockethub.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;

/**
 * Writes commands to Redis in the order they were made, pipelined: one batch in flight at a time,
 * and what is written meanwhile goes, in order, into the next batch. When quiet, a command is one
 * round trip of its own; under load, one round trip and one socket write carry many.
 *
 * <p>Two reasons. Order: Redisson sends a lone asynchronous command over whichever pooled
 * connection is free, so two commands may reach Redis out of order (a persistent instance's second
 * result overtaking its first, a job's result the pushes it caused). Load: a lone command holds its
 * connection until its reply, so the commands in flight are bounded by the pool; beyond it they
 * wait in Redisson's queue, each with its own timer, and under an overload of jobs that queue (not
 * Redis) became the bottleneck: the gateway's heap filled with waiting commands and none was
 * answered. Here the writes of a process share one connection at a time.
 *
 * <p>Commands reach Redis in order; their futures complete in order within a batch, while a
 * batch's completions may overlap the next batch's (which is sent first).
 */
public final class RedisPipeline {

    /** The most commands in one batch; the rest waits for the next. */
    static final int MAX_BATCH = 512;

    private record Write(Function<RBatch, RFuture<?>> command, CompletableFuture<Object> done) {
    }

    private final RedissonClient redis;
    private List<Write> queued = new ArrayList<>();
    private boolean inFlight;

    /** @param redis the Redis client */
    public RedisPipeline(RedissonClient redis) {
        this.redis = redis;
    }

    /**
     * Queues a command behind every command queued before it.
     *
     * @param command adds the command to the batch it is given and returns its future
     * @return completes with the command's result once it has run, or with its error (or the
     *         batch's, when the batch as a whole failed)
     */
    public CompletableFuture<Object> write(Function<RBatch, RFuture<?>> command) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        synchronized (this) {
            queued.add(new Write(command, done));
        }
        flush();
        return done;
    }

    private void flush() {
        List<Write> writes;
        synchronized (this) {
            if (inFlight || queued.isEmpty()) {
                return;
            }
            inFlight = true;
            if (queued.size() <= MAX_BATCH) {
                writes = queued;
                queued = new ArrayList<>();
            } else {
                writes = new ArrayList<>(queued.subList(0, MAX_BATCH));
                queued = new ArrayList<>(queued.subList(MAX_BATCH, queued.size()));
            }
        }
        List<RFuture<?>> results = new ArrayList<>(writes.size());
        CompletableFuture<?> executed;
        try {
            RBatch batch = redis.createBatch();
            for (Write w : writes) {
                results.add(w.command().apply(batch));
            }
            executed = batch.executeAsync().toCompletableFuture();
        } catch (RuntimeException e) {
            executed = CompletableFuture.failedFuture(e);
        }
        executed.whenComplete((ignored, error) -> {
            synchronized (this) {
                inFlight = false;
            }
            // the next batch goes before this one's callbacks run: they may be slow, or write more
            flush();
            for (int i = 0; i < writes.size(); i++) {
                CompletableFuture<Object> done = writes.get(i).done();
                RFuture<?> result = i < results.size() ? results.get(i) : null;
                if (result != null && result.isDone()) {
                    result.whenComplete((value, failure) -> {
                        if (failure != null) {
                            done.completeExceptionally(failure);
                        } else {
                            done.complete(value);
                        }
                    });
                } else if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(null);
                }
            }
        });
    }
}
