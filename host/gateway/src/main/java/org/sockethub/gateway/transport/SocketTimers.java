package org.sockethub.gateway.transport;

import io.socket.engineio.server.EngineIoSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The timers of engine.io-server and of the Socket.IO layer (ping, ping timeout, connect timeout) on one
 * thread, grouped by connection so that a connection's timers are cancelled when it closes.
 *
 * <p>engine.io-server leaves its ping timeout queued after a connection has closed (re-armed by
 * every packet, not cancelled at close), and so did socket.io-server its connect timeout. Each
 * holds the closed connection, with its WebSocket session and buffers, until it would have fired,
 * up to 45 s later: under connection churn, tens of thousands of dead connections in the heap.
 * engine.io schedules from the code that handles the connection's own traffic (and from its own
 * timers), so the transport runs that code in the connection's {@link Group}, and a timer
 * scheduled meanwhile (the Socket.IO connect timeout too) joins the group.
 *
 * <p>engine.io cancels and sets again a connection's ping timeout on every packet it receives
 * (engine.io 3's rule; Engine.IO 4 needs it only on a pong). A connection's timer set again with
 * the same task therefore moves its deadline and stays where it is in the queue: when it comes
 * due early it goes back in for the rest of the time. Per packet that is two uncontended locks
 * instead of a queue removal and insertion under the one timer queue's lock, which every
 * connection's packets contended for. Outside a connection, a cancelled timer leaves the queue
 * at once.
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
        Timer timer = group.timerFor(task, this);
        timer.arm(unit.toNanos(delay));
        return timer;
    }

    /** The queue entry a connection's {@link Timer} waits on. */
    private ScheduledFuture<?> enqueue(Runnable due, long delayNanos) {
        return super.schedule(due, delayNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A timer of a connection, one per task: set again (with {@link SocketTimers#schedule}) after a
     * cancel or after it ran, it takes its new deadline.
     */
    static final class Timer implements ScheduledFuture<Object> {
        private final Runnable task;
        private final Group group;
        private final SocketTimers timers;
        private long deadline;
        private boolean cancelled;
        private boolean ran;
        /** Its connection closed: never set again. */
        private boolean closed;
        /** The queue entry, while there is one. */
        private ScheduledFuture<?> queued;

        private Timer(Runnable task, Group group, SocketTimers timers) {
            this.task = task;
            this.group = group;
            this.timers = timers;
        }

        private synchronized void arm(long delayNanos) {
            if (closed) {
                return;
            }
            deadline = System.nanoTime() + delayNanos;
            cancelled = false;
            ran = false;
            if (queued == null || queued.getDelay(TimeUnit.NANOSECONDS) > delayNanos) {
                if (queued != null) {
                    queued.cancel(false);
                }
                queued = timers.enqueue(this::due, delayNanos);
            }
        }

        private void due() {
            synchronized (this) {
                queued = null;
                if (cancelled || ran) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    queued = timers.enqueue(this::due, left);
                    return;
                }
                ran = true;
            }
            group.run(task::run);
        }

        /** Cancelled for good, out of the queue: the connection closed. */
        private synchronized void close() {
            closed = true;
            cancelled = true;
            if (queued != null) {
                queued.cancel(false);
                queued = null;
            }
        }

        /** @return whether it neither waits nor will run: the group may forget it */
        private synchronized boolean idle() {
            return (cancelled || ran) && queued == null;
        }

        @Override
        public synchronized boolean cancel(boolean mayInterruptIfRunning) {
            if (cancelled || ran) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public synchronized boolean isCancelled() {
            return cancelled;
        }

        @Override
        public synchronized boolean isDone() {
            return cancelled || ran;
        }

        @Override
        public synchronized long getDelay(TimeUnit unit) {
            return unit.convert(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException("a connection's timer has no result");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException("a connection's timer has no result");
        }
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
        private final List<Timer> timers = new ArrayList<>(3);
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

        /** @return the group's timer for this task (a connection sets the same few again and again) */
        private synchronized Timer timerFor(Runnable task, SocketTimers queue) {
            for (Timer t : timers) {
                if (t.task == task) {
                    if (closed) {
                        t.close();
                    }
                    return t;
                }
            }
            Timer timer = new Timer(task, this, queue);
            if (closed) {
                timer.close();
                return timer;
            }
            timers.removeIf(Timer::idle);
            timers.add(timer);
            return timer;
        }

        /** Cancels the group's timers, and any it is given from now on. */
        synchronized void close() {
            closed = true;
            timers.forEach(Timer::close);
            timers.clear();
        }
    }
}
