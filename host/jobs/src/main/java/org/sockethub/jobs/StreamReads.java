package org.sockethub.jobs;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.RedisConnection;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisCommand;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.connection.MasterSlaveEntry;

/**
 * The waiting stream reads of the job path: {@code XREAD … BLOCK} (the gateway's events) and
 * {@code XREADGROUP … BLOCK} (a worker's jobs), each on a connection of the client's pool held
 * for the wait, as Redisson holds one for its own blocking commands. No thread waits for them:
 * what follows a reply runs on Redisson's I/O thread.
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
     * {@code XREAD COUNT <count> BLOCK <ms> STREAMS <key> <after>}; the entries come on Redisson's
     * I/O thread.
     *
     * @param redis the client
     * @param key   the stream
     * @param after entries after this id
     * @param count at most this many
     * @param block how long to wait for an entry (at least 1 ms)
     * @return completes with the entries (empty or {@code null} if none came within {@code block}),
     *         or with a {@link RedisException}
     */
    public static CompletableFuture<Map<StreamMessageId, Map<String, String>>> readAsync(RedissonClient redis, String key,
            StreamMessageId after, int count, Duration block) {
        return runAsync(redis, key, RedisCommands.XREAD_BLOCKING_SINGLE, block,
                "COUNT", count, "BLOCK", millis(block), "STREAMS", key, after.toString());
    }

    /**
     * {@code XREADGROUP GROUP <group> <consumer> COUNT <count> BLOCK <ms> STREAMS <key> >}: entries
     * never delivered to the group; they come on Redisson's I/O thread.
     *
     * @param redis    the client
     * @param key      the stream
     * @param group    the consumer group
     * @param consumer this consumer
     * @param count    at most this many
     * @param block    how long to wait for an entry (at least 1 ms)
     * @return completes with the entries (empty or {@code null} if none came within {@code block}),
     *         or with a {@link RedisException}
     */
    public static CompletableFuture<Map<StreamMessageId, Map<String, String>>> readGroupAsync(RedissonClient redis, String key,
            String group, String consumer, int count, Duration block) {
        return runAsync(redis, key, RedisCommands.XREADGROUP_BLOCKING_SINGLE, block,
                "GROUP", group, consumer, "COUNT", count, "BLOCK", millis(block), "STREAMS", key, ">");
    }

    /** A read without a waiting thread: what follows the reply runs on Redisson's I/O thread. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static CompletableFuture<Map<StreamMessageId, Map<String, String>>> runAsync(RedissonClient redis, String key,
            RedisCommand<Map<StreamMessageId, Map<Object, Object>>> command, Duration block, Object... params) {
        MasterSlaveEntry entry = ((Redisson) redis).getCommandExecutor().getConnectionManager().getEntry(key);
        long deadlineMs = block.toMillis() + REPLY_MARGIN_MS;
        CompletableFuture<Map<StreamMessageId, Map<String, String>>> result = new CompletableFuture<>();
        CompletableFuture<RedisConnection> taking = entry.connectionWriteOp(command);
        // a timer only when the pool has no connection at hand: one per read would wake the JDK's
        // delay thread for every read
        CompletableFuture<RedisConnection> waited = taking.isDone() ? taking : taking.copy().orTimeout(deadlineMs, TimeUnit.MILLISECONDS);
        waited.whenComplete((connection, notTaken) -> {
            if (notTaken != null) {
                releaseWhenTaken(entry, taking);
                result.completeExceptionally(noConnection(command, cause(notTaken)));
                return;
            }
            org.redisson.api.RFuture<Map<StreamMessageId, Map<Object, Object>>> sent;
            try {
                sent = connection.async(deadlineMs, StringCodec.INSTANCE, command, params);
            } catch (RuntimeException e) { // not sent: the read must still end, and the connection go back
                release(entry, connection, e);
                result.completeExceptionally(failed(command, e));
                return;
            }
            sent.whenComplete((reply, error) -> {
                Throwable failure = error == null ? null : cause(error);
                release(entry, connection, failure);
                if (failure == null) {
                    result.complete((Map) reply); // StringCodec: fields and values are Strings
                } else {
                    result.completeExceptionally(failed(command, failure));
                }
            });
        });
        return result;
    }

    /** A connection the pool hands over after its taker gave up goes back to it. */
    private static void releaseWhenTaken(MasterSlaveEntry entry, CompletableFuture<RedisConnection> taking) {
        taking.whenComplete((late, error) -> {
            if (late != null) {
                entry.releaseWrite(late);
            }
        });
    }

    /**
     * Back to the pool: as it is after a reply or an error reply (e.g. NOGROUP), which leave it in
     * step; reconnected first after a timeout, a lost connection or a command that could not be
     * sent, after which Redis may still answer on it.
     */
    private static void release(MasterSlaveEntry entry, RedisConnection connection, Throwable failure) {
        boolean clean = failure == null || failure instanceof RedisException
                && !(failure instanceof org.redisson.client.RedisTimeoutException)
                && !(failure instanceof org.redisson.client.RedisConnectionException);
        if (clean) {
            entry.releaseWrite(connection);
        } else {
            connection.forceFastReconnectAsync().whenComplete((ok, e) -> entry.releaseWrite(connection));
        }
    }

    private static RedisException noConnection(RedisCommand<?> command, Throwable cause) {
        return new RedisException("no connection to Redis for " + command.getName() + ": " + cause, cause);
    }

    private static RedisException failed(RedisCommand<?> command, Throwable cause) {
        return cause instanceof RedisException r ? r : new RedisException(command.getName() + " failed: " + cause, cause);
    }

    private static Throwable cause(Throwable e) {
        return (e instanceof ExecutionException || e instanceof java.util.concurrent.CompletionException) && e.getCause() != null
                ? e.getCause() : e;
    }

    private static long millis(Duration block) {
        if (block.toMillis() <= 0) {
            throw new IllegalArgumentException("a read must block for 1 ms or more (BLOCK 0 waits for ever): " + block);
        }
        return block.toMillis();
    }
}
