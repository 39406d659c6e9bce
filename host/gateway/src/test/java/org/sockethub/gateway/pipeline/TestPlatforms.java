package org.sockethub.gateway.pipeline;

import org.sockethub.api.Job;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;
import org.sockethub.platform.dummy.DummyPlatform;

/** The platforms the pipeline tests run against: the real dummy, and small schema-only ones. */
final class TestPlatforms {

    private TestPlatforms() {
    }

    static PlatformRegistry registry() {
        PlatformRegistry registry = new PlatformRegistry("1.0.0-test");
        for (PlatformDescriptor d : new PlatformDescriptor[] {
                new DummyPlatform().descriptor(),
                PlatformDescriptor.builder("feeds", Fetching.class).schemasFrom(TestPlatforms.class, "platforms/feeds").build(),
                PlatformDescriptor.builder("p", UpdatingFetching.class).schemasFrom(TestPlatforms.class, "platforms/p").build(),
                PlatformDescriptor.builder("test-platform", Connecting.class).persist(true).requireCredentials("connect")
                        .schemasFrom(TestPlatforms.class, "platforms/test-platform").build()}) {
            PlatformRegistry.problemsOf(d).ifPresent(p -> {
                throw new IllegalStateException(p);
            });
            registry.put(new PlatformRegistry.Entry(d, "test:" + d.id()));
        }
        return registry;
    }

    public static class Fetching implements PlatformInstance {
        @Verb
        public void fetch(Job job) {
            job.complete();
        }
    }

    public static class UpdatingFetching extends Fetching {
        @Verb
        public void update(Job job) {
            job.complete();
        }
    }

    public static class Connecting implements PlatformInstance {
        @Verb
        public void connect(Job job) {
            job.complete();
        }
    }
}
