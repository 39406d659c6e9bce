package org.sockethub.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One live platform instance inside a worker JVM, holding whatever protocol connection the
 * platform needs. Its verbs are public methods annotated with {@link Verb}, each taking exactly
 * one {@link Job} parameter.
 *
 * <h2>Threading</h2>
 * Jobs of a persistent instance are delivered one at a time, in the order the clients sent them:
 * the next job arrives after the previous one completed. A stateless instance receives up to the
 * platform's {@code concurrency} jobs at once and must be thread-safe.
 *
 * <h2>Failures</h2>
 * An exception thrown by a verb method fails that job only ({@code Error: <message>}); the
 * instance keeps running. An exception escaping on any other thread is fatal to the whole worker
 * JVM: every session of every instance in it is told, and every job in flight gets an error ack.
 */
@ConsumerType
public interface PlatformInstance {

    /**
     * Whether this instance is ready for non-credentialed verbs. Stateless platforms are always
     * initialized. A persistent platform answers {@code true} once its protocol connection is up
     * and keeps answering {@code true} while it reconnects on its own; it answers {@code false}
     * only when user action is needed (bad credentials, a ban).
     *
     * @return {@code true} if non-credentialed verbs may be dispatched
     */
    default boolean isInitialized() {
        return true;
    }

    /**
     * Releases every resource of this instance: sockets, listeners, timers. Called once when the
     * instance is shut down (client disconnect, idle reaping, bundle removal, worker shutdown).
     * Must not throw and must not block for long.
     */
    default void cleanup() {
    }
}
