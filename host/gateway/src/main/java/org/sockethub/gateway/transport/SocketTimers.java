package org.sockethub.gateway.transport;

import io.socket.engineio.server.EngineIoSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The timers of engine.io-server and socket.io-server (ping, ping timeout, connect timeout) on one
 * thread, grouped by connection so that a connection's timers are cancelled when it closes.
 *
 * <p>Both libraries leave timers queued after a connection has closed: engine.io its ping timeout
 * (re-armed by every packet, not cancelled at close), socket.io its connect timeout (never
 * cancelled). Each holds the closed connection, with its WebSocket session and buffers, until it
 * would have fired, up to 45 s later: under connection churn, tens of thousands of dead connections
 * in the heap. The libraries schedule from the code that handles the connection's own traffic (and
 * from its own timers), so the transport runs that code in the connection's {@link Group}, and a
 * timer scheduled meanwhile joins the group.
 *
 * <p>A cancelled timer leaves the queue at once, not when it would have fired: engine.io cancels
 * and re-arms a connection's ping timeout on every packet it receives.
 */
final class SocketTimers extends ScheduledThreadPoolExecutor {

    /** The group of the connection whose code runs on this thread, if any. */
    private static final ThreadLocal<Group> CURRENT = new ThreadLocal<>();

    /**
     * @param threads makes the timer thread
     */
    SocketTimers(ThreadFactory threads) {
        super(1, threads);
        setRemoveOnCancelPolicy(true);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        Group group = CURRENT.get();
        if (group == null) {
            return super.schedule(task, delay, unit);
        }
        ScheduledFuture<?> timer = super.schedule(() -> group.run(task::run), delay, unit);
        group.add(timer);
        return timer;
    }

    /** @return the group of the connection whose code runs on this thread, or {@code null} */
    static Group current() {
        return CURRENT.get();
    }

    /** Code of a connection, run with {@link Group#run}. */
    @FunctionalInterface
    interface Code<X extends Exception> {
        /** @throws X whatever the code throws */
        void run() throws X;
    }

    /** The timers of one connection. */
    static final class Group {

        /** Where the group is found by its socket id (polling connections), or {@code null}. */
        private final Map<String, Group> bySocketId;
        private final List<Future<?>> timers = new ArrayList<>(3);
        private boolean closed;

        /**
         * @param bySocketId where to keep the group by its Engine.IO socket id while the socket is
         *                   open, or {@code null}
         */
        Group(Map<String, Group> bySocketId) {
            this.bySocketId = bySocketId;
        }

        /**
         * Runs code of this connection: timers it schedules join the group.
         *
         * @param code the code
         * @param <X>  what it throws
         * @throws X whatever it throws
         */
        <X extends Exception> void run(Code<X> code) throws X {
            Group outer = CURRENT.get();
            CURRENT.set(this);
            try {
                code.run();
            } finally {
                if (outer == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(outer);
                }
            }
        }

        /**
         * The connection's Engine.IO socket is open (called from engine.io's {@code connection}
         * event, which runs in the group): its close cancels the group.
         *
         * @param socket the socket
         */
        void opened(EngineIoSocket socket) {
            String id = socket.getId();
            if (bySocketId != null) {
                bySocketId.put(id, this);
            }
            socket.on("close", args -> {
                if (bySocketId != null) {
                    bySocketId.remove(id);
                }
                close();
            });
        }

        private synchronized void add(Future<?> timer) {
            if (closed) {
                timer.cancel(false);
                return;
            }
            timers.removeIf(Future::isDone);
            timers.add(timer);
        }

        /** Cancels the group's timers, and any it is given from now on. */
        synchronized void close() {
            closed = true;
            timers.forEach(t -> t.cancel(false));
            timers.clear();
        }
    }
}
