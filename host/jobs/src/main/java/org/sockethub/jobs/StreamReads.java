package org.sockethub.jobs;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.RedisConnection;
import org.redisson.client.RedisException;
import org.redisson.client.protocol.RedisCommand;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.connection.MasterSlaveEntry;

/**
 * The waiting stream reads of the job path: {@code XREAD … BLOCK} (the gateway's events) and
 * {@code XREADGROUP … BLOCK} (a worker's jobs), each on a connection of the client's pool held
 * for the wait, as Redisson holds one for its own blocking commands, and kept for the next read
 * ({@link Reader}). No thread waits for them: what follows a reply runs on Redisson's I/O thread.
 *
 * <p>Not through Redisson's stream API: Redisson 4.7 completes every blocking command through a
 * handler that calls {@code ServiceManager.isShuttingDown(null)} when the command succeeds, which
 * throws a {@code NullPointerException} that its future then wraps in a {@code
 * CompletionException}: two stack traces filled on every read that returns data, 3–4 % of the
 * host's and of a worker's CPU under load (bench/README.md). Here the command goes straight to a
 * pooled connection; a read that fails or outlives its deadline has its connection reconnected
 * before it goes back to the pool (Redis may still answer the abandoned read on it), as Redisson
 * does with its blocking commands.
 */
public final class StreamReads {

    /** Added to a read's wait for its reply's deadline. */
    private static final long REPLY_MARGIN_MS = 3_000;

    private StreamReads() {
    }

    /**
     * One stream's reads, one after another (each started once the one before has completed),
     * on a connection of the pool that is kept between them: the next read is written by the I/O
     * thread that has just delivered the last one, on its own channel, instead of being handed to
     * whichever event loop the pool's next free connection belongs to (a thread wake-up per
     * read). A read that fails gives its connection back (reconnected if its state is unknown);
     * the next one takes another.
     */
    public static final class Reader {

        private final String key;
        private final org.redisson.connection.ConnectionManager connections;
        /** The connection kept between reads, with the entry (server) it belongs to, or {@code null}. */
        private volatile Held held;

        private record Held(MasterSlaveEntry entry, RedisConnection connection) {
        }

        /**
         * @param redis the client
         * @param key   the stream
         */
        public Reader(RedissonClient redis, String key) {
            this.key = key;
            this.connections = ((Redisson) redis).getCommandExecutor().getConnectionManager();
        }

        /**
         * {@code XREAD COUNT <count> BLOCK <ms> STREAMS <key> <after>}; the entries come on
         * Redisson's I/O thread.
         *
         * @param after entries after this id
         * @param count at most this many
         * @param block how long to wait for an entry (at least 1 ms)
         * @return completes with the entries (empty or {@code null} if none came within
         *         {@code block}), or with a {@link RedisException}
         */
        public CompletableFuture<Map<StreamMessageId, Map<String, String>>> read(StreamMessageId after, int count,
                Duration block) {
            return run(RedisCommands.XREAD_BLOCKING_SINGLE, block,
                    "COUNT", count, "BLOCK", millis(block), "STREAMS", key, after.toString());
        }

        /**
         * {@code XREADGROUP GROUP <group> <consumer> COUNT <count> BLOCK <ms> STREAMS <key> >}:
         * entries never delivered to the group; they come on Redisson's I/O thread.
         *
         * @param group    the consumer group
         * @param consumer this consumer
         * @param count    at most this many
         * @param block    how long to wait for an entry (at least 1 ms)
         * @return completes with the entries (empty or {@code null} if none came within
         *         {@code block}), or with a {@link RedisException}
         */
        public CompletableFuture<Map<StreamMessageId, Map<String, String>>> readGroup(String group, String consumer,
                int count, Duration block) {
            return run(RedisCommands.XREADGROUP_BLOCKING_SINGLE, block,
                    "GROUP", group, consumer, "COUNT", count, "BLOCK", millis(block), "STREAMS", key, ">");
        }

        /** Gives the connection kept between reads back to the pool; call it with no read under way. */
        public void close() {
            Held kept = held;
            held = null;
            if (kept != null) {
                kept.entry().releaseWrite(kept.connection());
            }
        }

        /** A read without a waiting thread: what follows the reply runs on Redisson's I/O thread. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private CompletableFuture<Map<StreamMessageId, Map<String, String>>> run(
                RedisCommand<Map<StreamMessageId, Map<Object, Object>>> command, Duration block, Object... params) {
            long deadlineMs = block.toMillis() + REPLY_MARGIN_MS;
            CompletableFuture<Map<StreamMessageId, Map<String, String>>> result = new CompletableFuture<>();
            Held kept = held;
            held = null;
            if (kept != null && !kept.connection().isActive()) { // lost while kept: back to the pool, whose watchdog reconnects it
                kept.entry().releaseWrite(kept.connection());
                kept = null;
            }
            // the server of the stream's slot, looked up again for a new connection: in a Redis Cluster
            // the slot may have moved to another master since the last one
            MasterSlaveEntry entry = kept != null ? kept.entry() : connections.getEntry(key);
            if (entry == null) {
                result.completeExceptionally(new RedisException("no Redis server holds the slot of " + key));
                return result;
            }
            CompletableFuture<RedisConnection> taking = kept != null ? CompletableFuture.completedFuture(kept.connection())
                    : fromPool(entry, command, deadlineMs);
            taking.whenComplete((connection, notTaken) -> {
                if (notTaken != null) {
                    result.completeExceptionally(noConnection(command, cause(notTaken)));
                    return;
                }
                org.redisson.api.RFuture<Map<StreamMessageId, Map<Object, Object>>> sent;
                try {
                    sent = connection.async(deadlineMs, Utf8Codec.INSTANCE, command, params);
                } catch (RuntimeException e) { // not sent: the read must still end, and the connection go back
                    release(entry, connection, e);
                    result.completeExceptionally(failed(command, e));
                    return;
                }
                sent.whenComplete((reply, error) -> {
                    Throwable failure = error == null ? null : cause(error);
                    if (failure == null) {
                        held = new Held(entry, connection); // before the result: its callbacks may start the next read
                        result.complete((Map) reply); // Utf8Codec (a StringCodec): fields and values are Strings
                    } else {
                        release(entry, connection, failure);
                        result.completeExceptionally(failed(command, failure));
                    }
                });
            });
            return result;
        }
    }

    /**
     * A connection of {@code entry}'s pool, or a failure once {@code timeoutMs} have passed without
     * one; a connection the pool hands over after that goes back to it. A timer only when the pool
     * has no connection at hand: one per command would wake the JDK's delay thread every time.
     */
    static CompletableFuture<RedisConnection> fromPool(MasterSlaveEntry entry, RedisCommand<?> command, long timeoutMs) {
        CompletableFuture<RedisConnection> taking = entry.connectionWriteOp(command);
        if (taking.isDone()) {
            return taking;
        }
        CompletableFuture<RedisConnection> waited = taking.copy().orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        waited.whenComplete((taken, notTaken) -> {
            if (notTaken != null) {
                taking.whenComplete((late, error) -> {
                    if (late != null) {
                        entry.releaseWrite(late);
                    }
                });
            }
        });
        return waited;
    }

    /**
     * A failed read's connection back to the pool: as it is after an error reply (e.g. NOGROUP),
     * which leaves it in step; reconnected first after a timeout, a lost connection or a command
     * that could not be sent, after which Redis may still answer on it. (A read that succeeded
     * keeps its connection, see {@link Reader}.)
     */
    static void release(MasterSlaveEntry entry, RedisConnection connection, Throwable failure) {
        boolean clean = failure instanceof RedisException
                && !(failure instanceof org.redisson.client.RedisTimeoutException)
                && !(failure instanceof org.redisson.client.RedisConnectionException);
        if (clean) {
            entry.releaseWrite(connection);
        } else {
            connection.forceFastReconnectAsync().whenComplete((ok, e) -> entry.releaseWrite(connection));
        }
    }

    static RedisException noConnection(RedisCommand<?> command, Throwable cause) {
        return new RedisException("no connection to Redis for " + command.getName() + ": " + cause, cause);
    }

    private static RedisException failed(RedisCommand<?> command, Throwable cause) {
        return cause instanceof RedisException r ? r : new RedisException(command.getName() + " failed: " + cause, cause);
    }

    static Throwable cause(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static long millis(Duration block) {
        if (block.toMillis() <= 0) {
            throw new IllegalArgumentException("a read must block for 1 ms or more (BLOCK 0 waits for ever): " + block);
        }
        return block.toMillis();
    }
}
