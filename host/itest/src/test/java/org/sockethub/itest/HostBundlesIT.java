package org.sockethub.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformDescriptor;

/**
 * The host's bundle set as plain OSGi bundles (host/runtime's, as Karaf runs them, and the
 * {@code platforms/} of the runnable layout; {@code ./sockethub} itself takes the libraries
 * among them from its class path) in a native Felix: every bundle resolves and starts, the
 * dummy platform registers its descriptor, and the gateway comes up listening.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostBundlesIT {

    @Inject
    private BundleContext context;

    @Inject
    @Filter(value = "(component.name=org.sockethub.platform.dummy.DummyPlatform)", timeout = 30_000)
    private Platform platform;

    @Configuration
    public Option[] config() throws IOException {
        File dist = new File(System.getProperty("sockethub.dist"));
        int redisPort = TestRedis.start();
        List<Option> options = new ArrayList<>();
        options.add(frameworkProperty("felix.bootdelegation.implicit").value("false"));
        options.add(frameworkProperty("org.osgi.framework.bootdelegation").value("jdk.*,sun.*,com.sun.*"));
        options.add(frameworkProperty("sockethub.config").value(
                "{\"sockethub\":{\"host\":\"127.0.0.1\",\"port\":0},\"redis\":{\"url\":\"redis://127.0.0.1:" + redisPort + "\"}}"));
        options.add(frameworkProperty("sockethub.worker.command").value(
                "[\"-cp\",\"" + new File(dist, "sockethub-launcher.jar").getAbsolutePath() + "\",\"org.sockethub.launcher.Main\",\"--worker\"]"));
        options.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"));
        for (File folder : List.of(new File(System.getProperty("sockethub.bundles")), new File(dist, "platforms"))) {
            File[] jars = folder.listFiles((d, n) -> n.endsWith(".jar"));
            assertNotNull("run mvn package first: no " + folder, jars);
            Arrays.sort(jars);
            for (File jar : jars) {
                if (isBundle(jar)) {
                    options.add(bundle(jar.toURI().toString()).startLevel(jar.getName().contains("spifly") ? 2 : 5));
                }
            }
        }
        options.add(junitBundles());
        return options.toArray(new Option[0]);
    }

    @Test
    public void everyHostBundleResolvesAndStarts() {
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (b.getState() != expected) {
                notActive.add(b.getSymbolicName() + " (state " + b.getState() + ")");
            }
        }
        assertTrue("not active: " + notActive, notActive.isEmpty());
    }

    @Test
    public void theDummyPlatformRegistersItsDescriptor() {
        PlatformDescriptor d = platform.descriptor();
        assertEquals("dummy", d.id());
        assertFalse(d.persist());
        assertEquals("https://sockethub.org/ns/context/platform/dummy/v1.jsonld", d.contextUrl());
        assertTrue(d.credentialsSchema().isPresent());
        assertEquals(11, d.messagesSchema().path("properties").path("type").path("enum").size());
        assertEquals("Hello", d.config().path("greeting").asText());
        assertEquals("org.sockethub.platform.dummy.DummyInstance", d.instanceType().getName());
        assertEquals("1.0.0-SNAPSHOT", d.version());
    }

    @Test
    public void theGatewayComesUpListening() throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(sockethub.gateway=*)");
            if (refs != null && refs.length > 0) {
                assertEquals("gateway: " + refs[0].getProperty("sockethub.error"), "listening", refs[0].getProperty("sockethub.gateway"));
                assertTrue((Integer) refs[0].getProperty("sockethub.port") > 0);
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the gateway did not announce itself within 60 s");
    }

    private static boolean isBundle(File jar) throws IOException {
        try (JarFile f = new JarFile(jar)) {
            return f.getManifest() != null && f.getManifest().getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) != null;
        }
    }
}
