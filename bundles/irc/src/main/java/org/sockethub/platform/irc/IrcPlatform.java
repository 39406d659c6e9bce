package org.sockethub.platform.irc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;

/**
 * The {@code irc} platform (spec §3): persistent, one IRC connection per actor, credentials for
 * {@code connect} and {@code update}.
 */
@Component(service = Platform.class)
public class IrcPlatform implements Platform {

    static final String ID = "irc";

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder(ID, IrcInstance.class)
            .persist(true)
            .requireCredentials("connect", "update")
            .config("connectTimeoutMs", 30000)
            .schemasFrom(IrcPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new IrcInstance(context);
    }

    /** The canonical {@code @context} of IRC activities. */
    static ArrayNode contexts() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        a.add("https://www.w3.org/ns/activitystreams");
        a.add("https://sockethub.org/ns/context/v1.jsonld");
        a.add(PlatformDescriptor.contextUrlOf(ID));
        return a;
    }
}
