package org.sockethub.e2e.chat;

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;

/** A persistent platform for the end-to-end tests: a pretend chat network with no network. */
@Component(service = Platform.class)
public class TestChatPlatform implements Platform {

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("testchat", TestChatInstance.class)
            .persist(true)
            .requireCredentials("connect", "update")
            .schemasFrom(TestChatPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new TestChatInstance(context);
    }
}
