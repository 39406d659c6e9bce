/**
 * The outbound HTTP guard: one way for platforms to fetch web resources without becoming a
 * bridge into the server's own network (SSRF).
 *
 * <p>{@link org.sockethub.api.http.HttpGuard} resolves every host itself, refuses private,
 * loopback, link-local, CGNAT, multicast, reserved, IPv4-mapped and NAT64 forms of such addresses
 * ({@link org.sockethub.api.http.AddressPolicy}) on every redirect hop, checks the address it
 * actually connects to, and caps redirects, body size and time. Platforms build one from their
 * configuration with {@link org.sockethub.api.http.HttpGuard#fromConfig}; the operator's
 * {@code allowPrivateAddresses} is the only way to lift the address rule, and no client message
 * reaches it.
 */
@Export
@Version("1.0.0")
package org.sockethub.api.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
