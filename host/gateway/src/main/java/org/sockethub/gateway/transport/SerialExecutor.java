package org.sockethub.gateway.transport;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * Runs tasks one after another, in submission order, on a shared pool. Each client gets one, so
 * what is sent to a client keeps its order, and a client that stops reading (a blocked polling
 * write) holds up only itself, never the thread that answers everyone's jobs.
 */
final class SerialExecutor implements Executor {

    private final Executor pool;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    private void drain() {
        for (;;) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SerialExecutor.class).warn("sending to a client failed: {}", e.toString());
            }
        }
    }
}
