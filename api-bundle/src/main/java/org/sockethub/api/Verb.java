package org.sockethub.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method of a {@link PlatformInstance} as the handler of one verb (the activity
 * {@code type}). The method takes exactly one {@link Job} parameter and returns {@code void}; it
 * completes the job through {@link Job#complete()}, {@link Job#complete(com.fasterxml.jackson.databind.node.ObjectNode)}
 * or {@link Job#fail(String)}, now or later from another thread.
 *
 * <p>The set of verbs must equal the {@code enum} of {@code properties.type} in the platform's
 * {@code messages} schema; the host refuses the platform otherwise.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Verb {

    /**
     * The verb name as it appears in the activity {@code type}, e.g. {@code "echo"} or
     * {@code "request-friend"}. Empty means the method name.
     *
     * @return the verb name
     */
    String value() default "";

    /**
     * Whether the method never waits: it returns at once, having completed the job or handed
     * whatever takes time to the platform's own threads or asynchronous I/O (a line queued for the
     * network, a request whose callback completes the job later). Such a verb runs on the worker's
     * thread that received the job, saving the hand-off to a job thread, which costs more than an
     * answer computed in memory (bench/README.md, 2026-12-07 "verbs that never wait").
     *
     * <p>Declare it only when nothing on the method's path blocks: no blocking I/O, no DNS lookup,
     * no sleep, no waiting for a lock that is held while such things happen, no blocking call back
     * into the worker (the job's completion and {@link PlatformContext#sendToClient} never block).
     * A method that blocks there stalls every job of its worker until it returns. When unsure,
     * leave it {@code false}: the verb then runs on a job thread, as every verb did before.
     *
     * @return {@code true} if the method never waits
     * @since 1.2
     */
    boolean nonBlocking() default false;
}
