package org.sockethub.e2e.drop;

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;

/** A stateless platform for the drop-in lifecycle tests; its version is its Bundle-Version. */
@Component(service = Platform.class)
public class DropTestPlatform implements Platform {

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("droptest", DropTestInstance.class)
            .persist(false)
            .schemasFrom(DropTestPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new DropTestInstance();
    }
}
