/**
 * The Sockethub platform contract.
 *
 * <p>A platform is one OSGi bundle that registers a {@link org.sockethub.api.Platform} service
 * (normally a Declarative Services component). The gateway reads its
 * {@link org.sockethub.api.PlatformDescriptor} to publish and enforce its JSON Schemas; a worker
 * JVM asks the same service for a {@link org.sockethub.api.PlatformInstance} per actor (persistent
 * platforms) or one shared instance (stateless platforms) and calls its {@link org.sockethub.api.Verb}
 * methods with {@link org.sockethub.api.Job}s.
 *
 * <p>Platform authors implement the {@code @ConsumerType} interfaces; the host implements the
 * {@code @ProviderType} ones. A platform bundle imports only this package, Jackson, slf4j and OSGi.
 */
@Export
@Version("1.2.0")
package org.sockethub.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
