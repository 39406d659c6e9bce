package org.sockethub.platform.feeds;

import org.osgi.service.component.annotations.Component;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.http.HttpGuard;

/**
 * The {@code feeds} platform: fetches an RSS or Atom feed through the outbound HTTP guard and
 * answers with an ActivityStreams collection of posts. Stateless: one shared instance serves
 * every client, {@code concurrency} jobs at once.
 */
@Component(service = Platform.class)
public class FeedsPlatform implements Platform {

    private final PlatformDescriptor descriptor = PlatformDescriptor.builder("feeds", FeedsInstance.class)
            .persist(false)
            .idempotent("fetch") // run again if a worker dies under them
            .config("connectTimeoutMs", 5000)
            .config("allowPrivateAddresses", false)
            .config("maxRedirects", HttpGuard.DEFAULT_MAX_REDIRECTS)
            .config("maxBodyBytes", HttpGuard.DEFAULT_MAX_BODY_BYTES)
            .schemasFrom(FeedsPlatform.class, "schemas")
            .build();

    @Override
    public PlatformDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public PlatformInstance createInstance(PlatformContext context) {
        return new FeedsInstance(context, descriptor.version());
    }
}
