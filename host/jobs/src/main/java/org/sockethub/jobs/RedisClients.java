package org.sockethub.jobs;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.TransportMode;

/**
 * The one way this project builds a Redisson client: plain strings ({@link Utf8Codec}, JSON
 * done by Jackson), no thread-context class loader tricks, and a connection pool sized for the
 * process (the gateway needs more than a worker).
 */
public final class RedisClients {

    private RedisClients() {
    }

    /**
     * @param url      {@code redis://host:port} (or {@code rediss://})
     * @param poolSize connections for ordinary commands; blocking reads each take their own
     * @param name     client name, visible in {@code CLIENT LIST}
     * @return a connected client
     */
    public static RedissonClient connect(String url, int poolSize, String name) {
        return connect(RedisTarget.single(url), poolSize, name, null);
    }

    /**
     * @param redis    one server or a Redis Cluster
     * @param poolSize connections for ordinary commands (per cluster master); blocking reads each take their own
     * @param name     client name, visible in {@code CLIENT LIST}
     * @return a connected client
     */
    public static RedissonClient connect(RedisTarget redis, int poolSize, String name) {
        return connect(redis, poolSize, name, null);
    }

    /**
     * @param redis    one server or a Redis Cluster
     * @param poolSize the connection pool's size (per cluster master)
     * @param name     the client name Redis shows
     * @param listener told when the connection to Redis is lost and back, or {@code null}
     * @return the client
     */
    public static RedissonClient connect(RedisTarget redis, int poolSize, String name, org.redisson.connection.ConnectionListener listener) {
        return connect(redis, poolSize, name, listener, Math.max(2, Runtime.getRuntime().availableProcessors() * 2));
    }

    /**
     * @param redis     one server or a Redis Cluster
     * @param poolSize  the connection pool's size (per cluster master)
     * @param name      the client name Redis shows
     * @param listener  told when the connection to Redis is lost and back, or {@code null}
     * @param ioThreads Netty's I/O threads; with one, every connection is that thread's, so what it
     *                  writes (a worker's answers, written where the job was read) goes straight to
     *                  the socket instead of waking another event loop
     * @return the client
     */
    public static RedissonClient connect(RedisTarget redis, int poolSize, String name,
                                         org.redisson.connection.ConnectionListener listener, int ioThreads) {
        Config config = new Config();
        if (listener != null) {
            config.setConnectionListener(listener);
        }
        config.setCodec(Utf8Codec.INSTANCE);
        config.setUseThreadClassLoader(false);
        // Few threads: every command is asynchronous, and extra threads only cost context
        // switches on small machines (Redisson's defaults are 16 and 32).
        int cores = Runtime.getRuntime().availableProcessors();
        config.setThreads(Math.max(2, cores));
        config.setNettyThreads(ioThreads);
        config.setTransportMode(transport());
        if (redis.isCluster()) {
            // writes and blocking reads on the masters only: a job's stream is read where it was written
            shared(config.useClusterServers(), name)
                    .addNodeAddress(redis.clusterNodes().toArray(String[]::new))
                    .setReadMode(org.redisson.config.ReadMode.MASTER)
                    .setSubscriptionMode(org.redisson.config.SubscriptionMode.MASTER)
                    .setMasterConnectionMinimumIdleSize(1)
                    .setMasterConnectionPoolSize(poolSize)
                    .setSlaveConnectionMinimumIdleSize(0)
                    .setSubscriptionConnectionMinimumIdleSize(0)
                    .setSubscriptionConnectionPoolSize(2);
        } else {
            shared(config.useSingleServer(), name)
                    .setAddress(redis.url())
                    .setConnectionMinimumIdleSize(1)
                    .setConnectionPoolSize(poolSize)
                    .setSubscriptionConnectionMinimumIdleSize(0)
                    .setSubscriptionConnectionPoolSize(2);
        }
        return Redisson.create(config);
    }

    /** The settings of one server and of a cluster alike. */
    private static <T extends org.redisson.config.BaseConfig<T>> T shared(T server, String name) {
        return server.setClientName(name).setConnectTimeout(10_000).setRetryAttempts(3);
    }

    /**
     * Netty's native epoll on Linux, where its library loads (it ships in the launcher's
     * {@code lib/}; it is unpacked into {@code java.io.tmpdir}); Java's NIO selector elsewhere.
     * Epoll is edge-triggered and changes no interest set per write, where NIO makes an
     * {@code epoll_ctl} call for each write that has to wait and walks a selected-key set per
     * wake-up (bench/README.md, 2026-12-06 night).
     */
    static TransportMode transport() {
        try {
            return io.netty.channel.epoll.Epoll.isAvailable() ? TransportMode.EPOLL : TransportMode.NIO;
        } catch (LinkageError e) { // the epoll classes are not on this class path
            return TransportMode.NIO;
        }
    }
}
