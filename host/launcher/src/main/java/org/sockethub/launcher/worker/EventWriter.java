package org.sockethub.launcher.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;

/**
 * Writes a lane's answers and pushes to Redis in the order they were made. Commands sent one by
 * one go over whichever pooled connection is free and may reach Redis out of order: a persistent
 * instance's second result could overtake its first, or a job's result the pushes it caused. Here
 * one batch is in flight at a time; what is written meanwhile goes, in order, into the next batch
 * (one pipelined round trip for many writes under load, one for one when quiet).
 */
final class EventWriter {

    private record Write(Function<RBatch, RFuture<?>> command, CompletableFuture<Object> done) {
    }

    private final RedissonClient redis;
    private List<Write> queued = new ArrayList<>();
    private boolean inFlight;

    /** @param redis the worker's Redis client */
    EventWriter(RedissonClient redis) {
        this.redis = redis;
    }

    /**
     * Queues a write behind every write queued before it.
     *
     * @param command adds the command to the batch it is given and returns its future
     * @return completes with the command's result once it has run
     */
    CompletableFuture<Object> write(Function<RBatch, RFuture<?>> command) {
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
            writes = queued;
            queued = new ArrayList<>();
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
            synchronized (this) {
                inFlight = false;
            }
            flush();
        });
    }
}
