package org.sockethub.gateway.workers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.osgi.framework.Bundle;

/**
 * Where a worker loads a platform bundle from. A worker is another JVM with a Felix of its own,
 * so it needs a location it can open itself: a bundle installed from a file (the host's
 * {@code platforms/} and {@code deploy/}) is loaded from that file; one installed any other way
 * (Karaf's {@code mvn:} URLs, an input stream) is written out here as a JAR of the installed
 * bundle's own entries, one file per platform, deleted when replaced and on {@link #close()}.
 */
public final class PlatformJars implements AutoCloseable {

    private static final String MANIFEST = "META-INF/MANIFEST.MF";

    private final Map<String, Path> copies = new HashMap<>();
    private Path folder;
    private long written;

    /**
     * @param platformId the platform
     * @param bundle     its bundle
     * @return a location a worker's framework can install
     */
    public synchronized String locationFor(String platformId, Bundle bundle) {
        String location = bundle.getLocation();
        if (location.startsWith("file:") || location.startsWith("reference:file:")) {
            return location;
        }
        try {
            if (folder == null) {
                folder = Files.createTempDirectory("sockethub-platforms-" + ProcessHandle.current().pid() + "-");
            }
            Path jar = folder.resolve(platformId + "-" + ++written + ".jar");
            write(bundle, jar);
            Path previous = copies.put(platformId, jar);
            if (previous != null) {
                Files.deleteIfExists(previous);
            }
            return jar.toUri().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy bundle " + bundle.getSymbolicName() + " for its worker", e);
        }
    }

    /**
     * @param bundle a platform bundle
     * @return the name of the file it was installed from (a drop-in JAR), else its location
     */
    public static String fileName(Bundle bundle) {
        Path file = fileOf(bundle);
        return file == null ? bundle.getLocation() : file.getFileName().toString();
    }

    /** @return the file a bundle was installed from ({@code file:} or {@code reference:file:}), or {@code null} */
    private static Path fileOf(Bundle bundle) {
        String location = bundle.getLocation();
        location = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        if (!location.startsWith("file:")) {
            return null;
        }
        try {
            return Path.of(java.net.URI.create(location));
        } catch (RuntimeException notAFileUri) {
            return null;
        }
    }

    /**
     * Tells a replaced JAR from a removed one when its bundle goes away: FileInstall updates a
     * bundle whose file was overwritten (the file is there) and uninstalls one whose file was
     * deleted.
     *
     * @param bundle the bundle going away
     * @return whether it was installed from a file that still exists
     */
    public static boolean fileStillThere(Bundle bundle) {
        Path file = fileOf(bundle);
        return file != null && Files.isRegularFile(file);
    }

    /** Writes the bundle's own entries (not its fragments'), manifest first. */
    private static void write(Bundle bundle, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            URL manifest = bundle.getEntry(MANIFEST);
            if (manifest != null) {
                out.putNextEntry(new JarEntry("META-INF/"));
                out.closeEntry();
                copy(manifest, MANIFEST, out);
            }
            Deque<String> folders = new ArrayDeque<>();
            folders.add("/");
            while (!folders.isEmpty()) {
                String folder = folders.poll();
                var paths = bundle.getEntryPaths(folder);
                if (paths == null) {
                    continue;
                }
                for (String path : Collections.list(paths)) {
                    if (path.equals(MANIFEST) || path.equals("META-INF/")) {
                        if (path.endsWith("/")) {
                            folders.add(path);
                        }
                        continue;
                    }
                    if (path.endsWith("/")) {
                        out.putNextEntry(new JarEntry(path));
                        out.closeEntry();
                        folders.add(path);
                    } else {
                        copy(bundle.getEntry(path), path, out);
                    }
                }
            }
        }
    }

    private static void copy(URL entry, String name, JarOutputStream out) throws IOException {
        out.putNextEntry(new JarEntry(name));
        try (InputStream in = entry.openStream()) {
            in.transferTo(out);
        }
        out.closeEntry();
    }

    /** Deletes every copy. */
    @Override
    public synchronized void close() {
        copies.clear();
        if (folder == null) {
            return;
        }
        try (var files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
        folder = null;
    }
}
