package ${package};

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;

/**
 * The {@code ${platformId}} platform's registration: a Declarative Services component providing
 * {@link Platform}. The server reads the descriptor (no network here), and a worker asks for
 * instances: one for a stateless platform, one per actor for a persistent one.
 */
@Component(service = Platform.class)
public class ${className}Platform implements Platform {

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("${platformId}", ${className}Instance.class)
            .persist(false)                       // true: one instance per actor (chat networks)
            .idempotent("echo", "greet")          // run once more if the worker dies under them
            .config("greeting", "Hello")          // defaults; operators override in packageConfig.${platformId}
            .schemasFrom(${className}Platform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new ${className}Instance(context);
    }
}
