package org.sockethub.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A platform: the service a platform bundle registers, normally as a Declarative Services
 * component ({@code @Component(service = Platform.class)}).
 *
 * <p>The same service is used in two places:
 * <ul>
 *   <li>In the gateway JVM only {@link #descriptor()} is called. No protocol code runs there:
 *       the descriptor's schemas validate what clients send, and its verbs are checked against the
 *       {@link Verb} methods of {@link PlatformDescriptor#instanceType()}. A bundle whose schema
 *       verbs and methods disagree is refused with a log line naming the mismatch.</li>
 *   <li>In a worker JVM, {@link #createInstance(PlatformContext)} is called once per platform
 *       instance: once for a stateless platform, once per (actor, connection scope) for a
 *       persistent one.</li>
 * </ul>
 *
 * <p>Both methods must be cheap and must not block on the network.
 */
@ConsumerType
public interface Platform {

    /**
     * Identity, configuration defaults and JSON Schemas of this platform. Called once per
     * registration; the result is treated as immutable.
     *
     * @return the descriptor, never {@code null}
     */
    PlatformDescriptor descriptor();

    /**
     * Creates one platform instance. The returned object must be of the type named by
     * {@link PlatformDescriptor#instanceType()}; its {@link Verb} methods receive the jobs.
     *
     * @param context what the host offers this instance: pushes to clients, actor renames,
     *                its merged configuration and a logger
     * @return a new instance, not yet connected to anything
     */
    PlatformInstance createInstance(PlatformContext context);
}
