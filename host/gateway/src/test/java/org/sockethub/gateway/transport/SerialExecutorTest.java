package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    /** A pool that runs tasks only when told to. */
    private final List<Runnable> pool = new ArrayList<>();
    private final Executor manualPool = pool::add;

    @Test
    void runsTasksInOrderOnThePool() {
        SerialExecutor sends = new SerialExecutor(manualPool);
        List<Integer> ran = new ArrayList<>();
        sends.execute(() -> ran.add(1));
        sends.execute(() -> ran.add(2));
        assertEquals(1, pool.size(), "one drain for the client, not one per task");
        pool.remove(0).run();
        assertEquals(List.of(1, 2), ran);
    }

    @Test
    void runsOnTheCallersThreadWhenIdle() {
        SerialExecutor sends = new SerialExecutor(manualPool);
        List<Thread> ran = new ArrayList<>();
        sends.runHereUnlessBusy(() -> ran.add(Thread.currentThread()));
        assertEquals(List.of(Thread.currentThread()), ran);
        assertEquals(0, pool.size());
    }

    @Test
    void queuesBehindWhatIsAlreadyWaiting() {
        SerialExecutor sends = new SerialExecutor(manualPool);
        List<Integer> ran = new ArrayList<>();
        sends.execute(() -> ran.add(1));
        sends.runHereUnlessBusy(() -> ran.add(2));
        assertEquals(List.of(), ran, "not ahead of the queued task");
        pool.remove(0).run();
        assertEquals(List.of(1, 2), ran);
    }

    @Test
    void whatIsQueuedMeanwhileRunsAfterOnTheSameThread() {
        SerialExecutor sends = new SerialExecutor(manualPool);
        List<Object> ran = new ArrayList<>();
        sends.runHereUnlessBusy(() -> {
            ran.add(1);
            sends.execute(() -> ran.add(Thread.currentThread()));
        });
        assertEquals(0, pool.size());
        assertEquals(2, ran.size());
        assertSame(Thread.currentThread(), ran.get(1));
    }
}
