package org.sockethub.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One client request for a platform verb, as delivered to a {@link Verb} method.
 *
 * <p>A job completes exactly once. The first call to {@link #complete()},
 * {@link #complete(ObjectNode)}, {@link #fail(String)} or {@link #fail(Throwable)} decides the
 * client's ack; later calls are ignored. A verb method that throws fails its job with the
 * exception. A job that never completes is answered by the host's job timeout
 * ({@code jobs.timeoutMs}); for a persistent instance that also tears the instance down, since
 * its state is then unknown.
 *
 * <p>What the client receives:
 * <ul>
 *   <li>{@link #complete()}: the original activity;</li>
 *   <li>{@link #complete(ObjectNode)}: the given activity;</li>
 *   <li>{@link #fail(String)}: the original activity plus {@code "error": "<message>"}, verbatim;</li>
 *   <li>{@link #fail(Throwable)}: the same with {@code "Error: <message>"}.</li>
 * </ul>
 * The host stamps the canonical {@code @context} on every answer.
 */
@ProviderType
public interface Job {

    /**
     * The activity the client sent, validated against the platform's {@code messages} schema.
     * Each call returns the same object; a verb may modify it (e.g. to build its result).
     *
     * @return the activity
     */
    ObjectNode activity();

    /**
     * Shortcut for the activity's {@code type}.
     *
     * @return the verb name
     */
    String type();

    /**
     * The credentials activity the client stored for this platform and actor, for verbs the
     * descriptor lists in {@link PlatformDescriptor#requireCredentials()}; empty otherwise.
     *
     * @return the whole credentials activity ({@code type: "credentials"}, {@code actor},
     *         {@code object}), validated against the platform's {@code credentials} schema
     */
    Optional<ObjectNode> credentials();

    /** Completes the job successfully; the client gets the original activity back. */
    void complete();

    /**
     * Completes the job successfully with a result activity.
     *
     * @param result the activity the client receives as its ack
     */
    void complete(ObjectNode result);

    /**
     * Fails the job; the client's ack carries {@code message} verbatim as its {@code error}.
     *
     * @param message the error text
     */
    void fail(String message);

    /**
     * Fails the job; the client's ack carries {@code "Error: " + cause.getMessage()}.
     *
     * @param cause what went wrong
     */
    void fail(Throwable cause);
}
