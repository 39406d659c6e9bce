package org.sockethub.platform.dummy;

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;

/**
 * The {@code dummy} platform: no network, only the gateway's own paths. It answers {@code echo}
 * and {@code greet}, fails on {@code fail} and {@code throw}, and takes its worker down on the
 * crash verbs so that supervision can be tested end to end.
 *
 * <p>This class is the whole registration: a Declarative Services component that provides
 * {@link Platform}. Copy it, change the id and the instance type, and you have a new platform.
 */
@Component(service = Platform.class)
public class DummyPlatform implements Platform {

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("dummy", DummyInstance.class)
            .persist(false)
            .idempotent("echo", "greet") // run again if a worker dies under them
            .config("greeting", "Hello")
            .schemasFrom(DummyPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new DummyInstance(context);
    }
}
