package org.sockethub.jobs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisConnection;
import org.redisson.client.RedisException;
import org.redisson.client.RedisRedirectException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.protocol.CommandData;
import org.redisson.client.protocol.CommandsData;
import org.redisson.client.protocol.RedisCommand;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.client.protocol.RedisStrictCommand;
import org.redisson.connection.ConnectionManager;
import org.redisson.connection.MasterSlaveEntry;

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
 * answered. Here the writes of a process share one connection per server.
 *
 * <p>The batch goes as one write on a connection of Redisson's pool that the pipeline keeps
 * (one per server: in a Redis Cluster, each command goes to its key's master), not through
 * Redisson's {@code RBatch}: that built a batch service, its options, a connection acquisition
 * and a result list for every batch, most of the gateway's and the worker's allocation per job at
 * one job at a time (bench/README.md, 2026-12-07 "a pipeline on a kept connection"). A batch
 * that fails as a whole (its write, a lost connection, no reply within the client's command
 * timeout) fails each of its unanswered writes, and its connection goes back to the pool to be
 * reconnected; the next batch takes another. A command Redis refuses fails only its own write.
 *
 * <p>Commands reach Redis in order; each write completes as its reply is read, on Redisson's I/O
 * thread, in order, before the next batch is sent.
 */
public final class RedisPipeline {

    /** The most commands in one batch; the rest waits for the next. */
    static final int MAX_BATCH = 512;

    /** {@code EVALSHA} with an integer reply. */
    public static final RedisStrictCommand<Long> EVALSHA_LONG = new RedisStrictCommand<>("EVALSHA");

    /** {@code EVAL} with an integer reply. */
    public static final RedisStrictCommand<Long> EVAL_LONG = RedisCommands.EVAL_LONG;

    /** {@code XADD}, its reply the entry's id ({@link org.redisson.api.stream.StreamMessageId}). */
    public static final RedisStrictCommand<org.redisson.api.stream.StreamMessageId> XADD = RedisCommands.XADD;

    /** {@code DEL}, its reply how many keys were removed. */
    public static final RedisStrictCommand<Long> DEL = RedisCommands.DEL;

    private record Write(String key, RedisCommand<?> command, Object[] args, CompletableFuture<Object> done) {
    }

    private final ConnectionManager connections;
    /** The connection kept for each server; touched by one batch at a time, and by {@link #close}. */
    private final Map<MasterSlaveEntry, RedisConnection> kept = new IdentityHashMap<>();
    private List<Write> queued = new ArrayList<>();
    private boolean inFlight;
    private boolean closed;

    /** @param redis the Redis client, whose pool lends the connections */
    public RedisPipeline(RedissonClient redis) {
        this.connections = ((Redisson) redis).getCommandExecutor().getConnectionManager();
    }

    /**
     * Queues a command behind every command queued before it.
     *
     * @param key     the key the command acts on: in a Redis Cluster, its slot's master gets it
     * @param command the command
     * @param args    its arguments after the command's name: text (sent as UTF-8), numbers or bytes
     * @return completes with the command's reply, or with its error (or the batch's, when the
     *         batch as a whole failed)
     */
    public CompletableFuture<Object> write(String key, RedisCommand<?> command, Object... args) {
        Object[] encoded = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            encoded[i] = args[i] instanceof byte[] bytes ? bytes : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        CompletableFuture<Object> done = new CompletableFuture<>();
        synchronized (this) {
            queued.add(new Write(key, command, encoded, done));
        }
        flush();
        return done;
    }

    /** Gives the kept connections back to the pool (once the batch in flight, if any, is answered). */
    public void close() {
        synchronized (this) {
            closed = true;
            if (inFlight) {
                return;
            }
        }
        releaseAll();
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
        // by server: one, unless a Redis Cluster's keys are on several masters
        MasterSlaveEntry[] servers = new MasterSlaveEntry[writes.size()];
        boolean one = true;
        for (int i = 0; i < servers.length; i++) {
            servers[i] = connections.getEntry(writes.get(i).key());
            one &= servers[i] != null && servers[i] == servers[0];
        }
        if (one) {
            send(servers[0], writes, this::batchDone);
            return;
        }
        Map<MasterSlaveEntry, List<Write>> byServer = new LinkedHashMap<>();
        for (int i = 0; i < servers.length; i++) {
            Write w = writes.get(i);
            if (servers[i] == null) {
                w.done().completeExceptionally(new RedisException("no Redis server holds the slot of " + w.key()));
            } else {
                byServer.computeIfAbsent(servers[i], server -> new ArrayList<>()).add(w);
            }
        }
        if (byServer.isEmpty()) {
            batchDone();
            return;
        }
        AtomicInteger left = new AtomicInteger(byServer.size());
        byServer.forEach((server, ofServer) -> send(server, ofServer, () -> {
            if (left.decrementAndGet() == 0) {
                batchDone();
            }
        }));
    }

    private void batchDone() {
        boolean release;
        synchronized (this) {
            inFlight = false;
            release = closed;
        }
        if (release) {
            releaseAll();
        }
        flush();
    }

    /** Sends one server's writes as one write on its kept connection; {@code then} runs once every one is answered. */
    private void send(MasterSlaveEntry entry, List<Write> writes, Runnable then) {
        RedisConnection connection;
        synchronized (this) {
            connection = kept.remove(entry);
        }
        if (connection != null && !connection.isActive()) { // lost while kept: back to the pool, whose watchdog reconnects it
            entry.releaseWrite(connection);
            connection = null;
        }
        if (connection != null) {
            sendOn(entry, connection, writes, then);
            return;
        }
        RedisCommand<?> first = writes.get(0).command();
        long timeoutMs = entry.getClient() != null ? entry.getClient().getCommandTimeout() : 3_000;
        StreamReads.fromPool(entry, first, timeoutMs).whenComplete((taken, notTaken) -> {
            if (notTaken != null) {
                failAll(writes, StreamReads.noConnection(first, StreamReads.cause(notTaken)));
                then.run();
            } else {
                sendOn(entry, taken, writes, then);
            }
        });
    }

    private void sendOn(MasterSlaveEntry entry, RedisConnection connection, List<Write> writes, Runnable then) {
        List<CommandData<?, ?>> commands = new ArrayList<>(writes.size());
        for (Write w : writes) {
            commands.add(new CommandData<>(w.done(), Utf8Codec.INSTANCE, w.command(), w.args()));
        }
        CompletableFuture<Void> answered = new CompletableFuture<>();
        io.netty.util.Timeout timeout = connection.getRedisClient().getTimer().newTimeout(
                t -> answered.completeExceptionally(new RedisTimeoutException("no reply from Redis within "
                        + connection.getRedisClient().getCommandTimeout() + " ms to " + writes.size() + " command(s)")),
                connection.getRedisClient().getCommandTimeout(), TimeUnit.MILLISECONDS);
        answered.whenComplete((ok, error) -> {
            timeout.cancel();
            boolean allAnswered = allAnswered(writes);
            if (!allAnswered) { // the batch failed as a whole: the connection's state is unknown
                Throwable cause = error == null ? new RedisException("the batch ended unanswered") : StreamReads.cause(error);
                failAll(writes, cause);
                StreamReads.release(entry, connection, cause);
            } else if (redirected(writes)) { // the slot moved: look its server up again next time
                entry.releaseWrite(connection);
            } else {
                synchronized (this) {
                    RedisConnection other = kept.put(entry, connection);
                    if (other != null) {
                        entry.releaseWrite(other);
                    }
                }
            }
            then.run();
        });
        try {
            connection.send(new CommandsData(answered, commands, false, false)).addListener(written -> {
                if (!written.isSuccess()) {
                    answered.completeExceptionally(written.cause());
                }
            });
        } catch (RuntimeException e) {
            answered.completeExceptionally(e);
        }
    }

    private static boolean allAnswered(List<Write> writes) {
        for (Write w : writes) {
            if (!w.done().isDone()) {
                return false;
            }
        }
        return true;
    }

    private static boolean redirected(List<Write> writes) {
        for (Write w : writes) {
            if (w.done().isCompletedExceptionally()) {
                try {
                    w.done().getNow(null);
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof RedisRedirectException) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void failAll(List<Write> writes, Throwable cause) {
        for (Write w : writes) {
            w.done().completeExceptionally(cause);
        }
    }

    private void releaseAll() {
        List<Map.Entry<MasterSlaveEntry, RedisConnection>> all;
        synchronized (this) {
            all = new ArrayList<>(kept.entrySet());
            kept.clear();
        }
        for (Map.Entry<MasterSlaveEntry, RedisConnection> e : all) {
            e.getKey().releaseWrite(e.getValue());
        }
    }
}
