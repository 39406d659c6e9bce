package org.sockethub.gateway.transport;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * Runs tasks one after another, in submission order, on a shared pool (or, see
 * {@link #runHereUnlessBusy}, on the caller's thread). Each client gets one, so what is sent to a
 * client keeps its order, and a client that stops reading (a blocked polling write) holds up only
 * itself, never the thread that answers everyone's jobs.
 */
final class SerialExecutor implements Executor {

    private final Executor pool;
    /** Tasks waiting, while some are: an idle client keeps no queue. Guarded by {@code this}. */
    private Queue<Runnable> tasks;
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            enqueue(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    /**
     * Runs a task on the calling thread when none of this client's tasks is queued or running
     * (then also those queued meanwhile), else queues it: for a thread that may block and is
     * serving this client anyway, it saves handing the task to the pool.
     *
     * @param task the task
     */
    void runHereUnlessBusy(Runnable task) {
        synchronized (this) {
            if (running) {
                enqueue(task);
                return;
            }
            running = true;
        }
        run(task);
        drain();
    }

    private void enqueue(Runnable task) {
        if (tasks == null) {
            tasks = new ArrayDeque<>(4);
        }
        tasks.add(task);
    }

    private void drain() {
        for (;;) {
            Runnable next;
            synchronized (this) {
                next = tasks == null ? null : tasks.poll();
                if (next == null) {
                    tasks = null;
                    running = false;
                    return;
                }
            }
            run(next);
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SerialExecutor.class).warn("sending to a client failed: {}", e.toString());
        }
    }
}
