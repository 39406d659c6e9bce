package org.sockethub.launcher;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.sockethub.api.Platform;

/**
 * The worker's Felix: SCR (from {@code worker-bundles/}) and the worker's platform bundles. What a
 * platform may import (the API, Jackson, slf4j) is exported from the worker's class path, using
 * each jar's own {@code Export-Package}, so the worker's Redis code and the platform share those
 * classes.
 */
public final class WorkerFelix {

    /** Jars on the class path whose packages the worker's framework exports. */
    private static final List<Class<?>> SHARED = List.of(Platform.class,
            com.fasterxml.jackson.databind.ObjectMapper.class, com.fasterxml.jackson.core.JsonFactory.class,
            com.fasterxml.jackson.annotation.JsonInclude.class, org.slf4j.Logger.class);

    private WorkerFelix() {
    }

    /**
     * Boots the framework with SCR, before the worker knows its platforms.
     *
     * @param cache an empty folder for Felix's cache
     * @return the started framework
     * @throws BundleException if SCR does not install
     * @throws IOException     if the layout cannot be read
     */
    public static Framework boot(Path cache) throws BundleException, IOException {
        Layout layout = Layout.detect();
        Map<String, String> props = new HashMap<>();
        props.put("org.osgi.framework.storage", cache.toString());
        props.put("org.osgi.framework.storage.clean", "onFirstInit");
        props.put("felix.log.level", "1");
        props.put("org.osgi.framework.system.packages.extra", sharedExports());
        return FelixBoot.start(props, new ArrayList<>(FelixBoot.jarsIn(layout.workerBundles())), System.err::println);
    }

    /**
     * Installs and starts the worker's platform bundles.
     *
     * @param framework       the booted framework
     * @param platformBundles the platform bundles' locations
     * @throws BundleException if a platform bundle does not install or start
     */
    public static void install(Framework framework, List<String> platformBundles) throws BundleException {
        List<org.osgi.framework.Bundle> platforms = new ArrayList<>();
        for (String location : platformBundles) {
            platforms.add(framework.getBundleContext().installBundle(location));
        }
        for (org.osgi.framework.Bundle b : platforms) {
            b.start();
        }
    }

    private static String sharedExports() throws IOException {
        List<Path> jars = new ArrayList<>();
        for (Class<?> type : SHARED) {
            try {
                jars.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return FelixBoot.exportsOf(jars);
    }
}
