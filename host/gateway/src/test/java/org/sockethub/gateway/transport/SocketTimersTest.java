package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SocketTimersTest {

    private final SocketTimers timers = new SocketTimers(r -> new Thread(r, "test-timer"));

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    @Test
    void aClosedConnectionsTimersLeaveTheQueue() {
        SocketTimers.Group connection = new SocketTimers.Group(null);
        AtomicReference<ScheduledFuture<?>> timeout = new AtomicReference<>();
        connection.run(() -> timeout.set(timers.schedule(() -> { }, 45, TimeUnit.SECONDS)));
        assertEquals(1, timers.getQueue().size());
        connection.close();
        assertTrue(timeout.get().isCancelled());
        assertEquals(0, timers.getQueue().size(), "nothing keeps the closed connection reachable");
        connection.run(() -> timeout.set(timers.schedule(() -> { }, 45, TimeUnit.SECONDS)));
        assertTrue(timeout.get().isCancelled(), "a timer set after the close is cancelled at once");
    }

    @Test
    void aCancelledTimerLeavesTheQueueAtOnce() {
        ScheduledFuture<?> ping = timers.schedule(() -> { }, 25, TimeUnit.SECONDS);
        ping.cancel(false);
        assertEquals(0, timers.getQueue().size());
    }

    @Test
    void aTimerRunsInItsConnectionsGroupSoTheTimersItSetsJoinIt() throws Exception {
        SocketTimers.Group connection = new SocketTimers.Group(null);
        AtomicReference<SocketTimers.Group> seen = new AtomicReference<>();
        AtomicReference<ScheduledFuture<?>> rearmed = new AtomicReference<>();
        CountDownLatch fired = new CountDownLatch(1);
        connection.run(() -> timers.schedule(() -> {
            seen.set(SocketTimers.current());
            rearmed.set(timers.schedule(() -> { }, 45, TimeUnit.SECONDS));
            fired.countDown();
        }, 1, TimeUnit.MILLISECONDS));
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertSame(connection, seen.get());
        connection.close();
        assertTrue(rearmed.get().isCancelled());
    }

    @Test
    void timersOutsideAnyConnectionAreLeftAlone() {
        assertNull(SocketTimers.current());
        SocketTimers.Group connection = new SocketTimers.Group(null);
        ScheduledFuture<?> other = timers.schedule(() -> { }, 45, TimeUnit.SECONDS);
        connection.run(() -> assertSame(connection, SocketTimers.current()));
        assertNull(SocketTimers.current(), "the group ends with its code");
        connection.close();
        assertFalse(other.isCancelled());
    }

    @Test
    void aConnectionsTimerSetAgainMovesItsDeadlineWithoutANewQueueEntry() throws Exception {
        SocketTimers.Group connection = new SocketTimers.Group(null);
        CountDownLatch fired = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong firedAt = new java.util.concurrent.atomic.AtomicLong();
        Runnable pingTimeout = () -> {
            firedAt.set(System.nanoTime());
            fired.countDown();
        };
        long start = System.nanoTime();
        AtomicReference<ScheduledFuture<?>> timer = new AtomicReference<>();
        connection.run(() -> timer.set(timers.schedule(pingTimeout, 200, TimeUnit.MILLISECONDS)));
        for (int i = 0; i < 1000; i++) { // engine.io: cancel and set again on every packet
            connection.run(() -> {
                timer.get().cancel(false);
                assertSame(timer.get(), timers.schedule(pingTimeout, 200, TimeUnit.MILLISECONDS));
            });
        }
        assertEquals(1, timers.getQueue().size(), "one queue entry however often it is set again");
        Thread.sleep(100);
        connection.run(() -> {
            timer.get().cancel(false);
            timers.schedule(pingTimeout, 300, TimeUnit.MILLISECONDS);
        });
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertTrue(firedAt.get() - start >= TimeUnit.MILLISECONDS.toNanos(390), "it ran at its last deadline, not its first");
        assertTrue(timer.get().isDone());
        CountDownLatch cancelled = new CountDownLatch(1);
        connection.run(() -> {
            timers.schedule(cancelled::countDown, 50, TimeUnit.MILLISECONDS).cancel(false);
        });
        assertFalse(cancelled.await(300, TimeUnit.MILLISECONDS), "a cancelled timer does not run");
        connection.close();
        assertEquals(0, timers.getQueue().size());
    }
}
