package org.sockethub.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/**
 * Starts an embedded Felix and installs bundles from folders. Shared by the host and the worker
 * mode. Jars without a {@code Bundle-SymbolicName} are skipped with a note; SPI Fly, when
 * present, starts first so that it can weave the ServiceLoader calls of the bundles after it.
 */
final class FelixBoot {

    private FelixBoot() {
    }

    static Framework start(Map<String, String> properties, List<Path> jars, java.util.function.Consumer<String> log)
            throws BundleException, IOException {
        return start(properties, jars, log, context -> { });
    }

    /**
     * @param beforeBundles runs once the framework has started, before its bundles do (e.g. to
     *                      register services they look up when they activate)
     */
    static Framework start(Map<String, String> properties, List<Path> jars, java.util.function.Consumer<String> log,
                           java.util.function.Consumer<org.osgi.framework.BundleContext> beforeBundles)
            throws BundleException, IOException {
        Map<String, String> props = new java.util.HashMap<>(properties);
        // Felix would otherwise hand a bundle's lookups that come from JDK code (ServiceLoader)
        // to the launcher's class path, where slf4j and Jackson also live.
        props.put("felix.bootdelegation.implicit", "false");
        // JDK internals that generated code refers to (e.g. JFR event handlers in Netty's buffers)
        props.putIfAbsent("org.osgi.framework.bootdelegation", "jdk.*,sun.*,com.sun.*");
        Framework framework = new org.apache.felix.framework.FrameworkFactory().newFramework(props);
        // Threads created from here on (SCR, Jetty, Redisson) must not see the launcher's class
        // path through their context class loader: ServiceLoader lookups inside bundles (slf4j,
        // Jetty, through SPI Fly) would find the launcher's copies and fail with "not a subtype".
        Thread.currentThread().setContextClassLoader(ClassLoader.getPlatformClassLoader());
        framework.init();
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : jars) {
            if (!isBundle(jar)) {
                log.accept("skipping " + jar.getFileName() + ": not an OSGi bundle");
                continue;
            }
            installed.add(framework.getBundleContext().installBundle(jar.toUri().toString()));
        }
        installed.sort(Comparator.comparing(b -> b.getSymbolicName().contains("spifly") ? 0 : 1));
        framework.start();
        beforeBundles.accept(framework.getBundleContext());
        // one resolve for all of them, rather than one per bundle as each starts (a bundle that
        // cannot be resolved is reported when it is started below)
        framework.adapt(org.osgi.framework.wiring.FrameworkWiring.class).resolveBundles(installed);
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    b.start();
                } catch (BundleException e) {
                    log.accept("bundle " + b.getSymbolicName() + " did not start: " + e.getMessage());
                }
            }
        }
        return framework;
    }

    /**
     * What a framework exports for jars on the class path: each jar's own {@code Export-Package},
     * so that bundles import those packages from the class path as they would from the jar's
     * bundle (same packages, same versions).
     *
     * @param jars jars on this JVM's class path
     * @return the value for {@code org.osgi.framework.system.packages.extra}
     * @throws IOException if a jar cannot be read
     */
    static String exportsOf(List<Path> jars) throws IOException {
        List<String> exports = new ArrayList<>();
        for (Path jar : jars) {
            java.util.jar.Manifest manifest;
            if (Files.isDirectory(jar)) {
                Path mf = jar.resolve("META-INF/MANIFEST.MF");
                if (!Files.isRegularFile(mf)) {
                    continue;
                }
                try (var in = Files.newInputStream(mf)) {
                    manifest = new java.util.jar.Manifest(in);
                }
            } else {
                try (JarFile file = new JarFile(jar.toFile())) {
                    manifest = file.getManifest();
                }
            }
            String export = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
            if (export != null && !export.isBlank()) {
                exports.add(export);
            }
        }
        return String.join(",", exports);
    }

    static List<Path> jarsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    static boolean isBundle(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest() != null && file.getManifest().getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) != null;
        }
    }

    /** Cache folders of this host and its workers: {@code sockethub-felix|worker-<host pid>-…}. */
    private static final java.util.regex.Pattern CACHE = java.util.regex.Pattern.compile("sockethub-(?:felix|worker)-(\\d+)-.*");

    /**
     * A fresh, private Felix cache folder for the host, removed at exit. Folders that hosts killed
     * with SIGKILL left behind (theirs and their workers') are swept first.
     */
    static Path hostCacheDir() throws IOException {
        sweepStaleCaches(Path.of(System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory("sockethub-felix-" + ProcessHandle.current().pid() + "-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir.toFile())));
        return dir;
    }

    /**
     * Deletes the cache folders whose host process is gone.
     *
     * @param tmp the temp folder
     * @return how many were deleted
     */
    static int sweepStaleCaches(Path tmp) {
        int swept = 0;
        File[] entries = tmp.toFile().listFiles();
        for (File f : entries == null ? new File[0] : entries) {
            java.util.regex.Matcher m = CACHE.matcher(f.getName());
            if (f.isDirectory() && m.matches() && !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
                deleteTree(f);
                swept++;
            }
        }
        return swept;
    }

    static void deleteTree(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteTree(c);
            }
        }
        f.delete();
    }
}
