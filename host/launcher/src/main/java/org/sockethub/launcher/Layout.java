package org.sockethub.launcher;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the runnable layout lives: the folder of {@code sockethub-launcher.jar}, holding
 * {@code lib/} (the class path), {@code bundles/} (the host's OSGi bundles),
 * {@code platforms/} (platform bundles shipped with the server) and {@code worker-bundles/}
 * (what a worker's Felix needs besides its platform).
 * <p>
 * A release (the layout unpacked from {@code dist}'s archive) has a {@code deploy/} folder of its
 * own: its defaults ({@code sockethub.config.json}, a relative {@code deploy.dir}) are in its folder
 * whatever the working directory, as a service's would be. The build's layout has none; there they
 * are in the working directory, as with the reference server.
 *
 * @param home     the folder
 * @param launcher the launcher jar, or {@code null} when running from classes
 */
record Layout(Path home, Path launcher) {

    static Layout detect() {
        String override = System.getProperty("sockethub.home");
        try {
            Path code = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path home = override != null ? Path.of(override) : code.getParent();
            return new Layout(home.toAbsolutePath(), Files.isRegularFile(code) ? code.toAbsolutePath() : null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return whether this is an unpacked release: it has a {@code deploy/} folder of its own */
    boolean release() {
        return launcher != null && Files.isDirectory(home.resolve("deploy"));
    }

    /**
     * @param workingDir the process's working directory
     * @return the folder that the default config file and a relative {@code deploy.dir} are in
     */
    Path base(Path workingDir) {
        return release() ? home : workingDir;
    }

    Path bundles() {
        return home.resolve("bundles");
    }

    Path platforms() {
        return home.resolve("platforms");
    }

    Path consoleBundles() {
        return home.resolve("console-bundles");
    }

    Path workerBundles() {
        return home.resolve("worker-bundles");
    }

    /**
     * The jars of the class path whose packages the host's framework exports to its bundles: every
     * library in {@code lib/}, but the framework itself and what is the launcher's own.
     *
     * @return the jars
     * @throws java.io.IOException if {@code lib/} cannot be listed
     */
    java.util.List<Path> hostLibraries() throws java.io.IOException {
        if (launcher == null) { // running from classes (tests): the class path is the library set
            return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .map(Path::of).filter(p -> !isLaunchersOwn(p.getFileName().toString())).toList();
        }
        return FelixBoot.jarsIn(home.resolve("lib")).stream()
                .filter(p -> !isLaunchersOwn(p.getFileName().toString())).toList();
    }

    private static boolean isLaunchersOwn(String jar) {
        return jar.startsWith("org.apache.felix.framework") || jar.startsWith("sockethub-jobs");
    }

    /** @return the class path a worker JVM runs with */
    String classPath() {
        return launcher != null ? launcher.toString() : System.getProperty("java.class.path");
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
