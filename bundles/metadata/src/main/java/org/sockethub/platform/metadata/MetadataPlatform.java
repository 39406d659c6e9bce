package org.sockethub.platform.metadata;

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.http.HttpGuard;

/**
 * The {@code metadata} platform: link previews. Fetches a page through the outbound HTTP guard
 * and answers with its title, description, images, video, site name, language, favicon and
 * charset. Stateless: one shared instance, {@code concurrency} jobs at once.
 */
@Component(service = Platform.class)
public class MetadataPlatform implements Platform {

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("metadata", MetadataInstance.class)
            .persist(false)
            .idempotent("fetch") // run again if a worker dies under them
            .config("timeoutMs", 5000)
            .config("allowPrivateAddresses", false)
            .config("maxRedirects", HttpGuard.DEFAULT_MAX_REDIRECTS)
            .config("maxBodyBytes", HttpGuard.DEFAULT_MAX_BODY_BYTES)
            .schemasFrom(MetadataPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new MetadataInstance(context, descriptor.version());
    }
}
