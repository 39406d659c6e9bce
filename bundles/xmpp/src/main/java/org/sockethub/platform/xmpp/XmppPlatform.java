package org.sockethub.platform.xmpp;

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;

/**
 * The {@code xmpp} platform: direct chats, group chats (MUC), presence and contacts over XMPP,
 * with Smack embedded. Persistent: one connection per actor.
 *
 * <p>No Smack class is touched here, so the gateway JVM (which only reads the descriptor) never
 * initialises Smack.
 */
@Component(service = Platform.class)
public class XmppPlatform implements Platform {

    /** The upstream package version this platform is wire-compatible with. */
    static final String VERSION = "5.0.0-alpha.22";

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("xmpp", XmppInstance.class)
            .version(VERSION)
            .persist(true)
            .requireCredentials("connect")
            .config("connectTimeoutMs", 10000)
            .schemasFrom(XmppPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new XmppInstance(context);
    }
}
