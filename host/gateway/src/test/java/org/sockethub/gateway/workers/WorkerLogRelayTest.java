package org.sockethub.gateway.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.SubstituteLogger;

/** A worker's stderr lines are logged once, at their own level, under the worker's name once. */
class WorkerLogRelayTest {

    @Test
    void relaysAtTheWorkersLevelWithOnePrefix() {
        ConcurrentLinkedQueue<SubstituteLoggingEvent> events = new ConcurrentLinkedQueue<>();
        SubstituteLogger target = new SubstituteLogger("org.sockethub.worker.dummy+feeds", events, true);
        EventRecordingLogger log = new EventRecordingLogger(target, events);
        WorkerSupervisor.relayLine(log, "dummy+feeds", "INFO dummy+feeds - worker for dummy+feeds ready (pid 1)");
        WorkerSupervisor.relayLine(log, "dummy+feeds", "WARN IrcInstance - connection lost");
        WorkerSupervisor.relayLine(log, "dummy+feeds", "ERROR dummy+feeds - fatal: out of memory");
        WorkerSupervisor.relayLine(log, "dummy+feeds", "\tat org.example.Thing.run(Thing.java:1)");
        List<SubstituteLoggingEvent> seen = List.copyOf(events);
        assertEquals(List.of(Level.INFO, Level.WARN, Level.ERROR, Level.INFO), seen.stream().map(SubstituteLoggingEvent::getLevel).toList());
        assertEquals(List.of("worker for dummy+feeds ready (pid 1)", "IrcInstance - connection lost", "fatal: out of memory",
                "\tat org.example.Thing.run(Thing.java:1)"), seen.stream().map(SubstituteLoggingEvent::getMessage).toList());
    }
}
