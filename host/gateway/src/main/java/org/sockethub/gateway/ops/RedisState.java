package org.sockethub.gateway.ops;

import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import org.redisson.connection.ConnectionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the gateway's Redis is reachable, as its client's connections tell: lost when the last
 * connection to it drops, back when one connects again. While it is lost, new jobs are answered at
 * once (not queued into nothing); the transitions are logged.
 */
public final class RedisState implements ConnectionListener, BooleanSupplier {

    private static final Logger LOG = LoggerFactory.getLogger(RedisState.class);

    private volatile boolean reachable = true;
    private volatile boolean closed;
    private final Runnable onReturn;

    /** @param onReturn run (on a Redis client thread: hand it over) when Redis is reachable again after it was lost */
    public RedisState(Runnable onReturn) {
        this.onReturn = onReturn;
    }

    @Override
    public void onConnect(InetSocketAddress address) {
        if (!reachable && !closed) {
            reachable = true;
            LOG.info("Redis at {} is reachable again: jobs are taken again", address);
            onReturn.run();
        }
    }

    @Override
    public void onDisconnect(InetSocketAddress address) {
        if (reachable && !closed) {
            reachable = false;
            LOG.warn("Redis at {} is unreachable: jobs are refused (\"failed to add job to queue: Redis is unreachable\") until it is back", address);
        }
    }

    /** The gateway stops: its client's connections close on purpose, nothing to tell. */
    public void close() {
        closed = true;
    }

    /** @return whether Redis is reachable */
    @Override
    public boolean getAsBoolean() {
        return reachable;
    }
}
