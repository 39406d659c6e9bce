import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * Build step (run by the launcher's pom as a source-file program): rewrites a signed jar of the
 * distribution's class path without its signature. On the class path a signed jar is verified at
 * the first class loaded from it (PKCS#7 and a digest per class), its manifest with one digest
 * section per entry (BouncyCastle's: 840 kB) is parsed whenever a package is defined from it, and
 * its classes are left out of the class-data-sharing archive. Only the manifest's main section
 * (the OSGi headers among them) is kept.
 *
 * <p>Usage: {@code java UnsignJar.java <jar>...}
 */
public final class UnsignJar {

    private static final Pattern SIGNATURE = Pattern.compile("META-INF/[^/]+\\.(SF|RSA|DSA|EC)", Pattern.CASE_INSENSITIVE);

    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            unsign(Path.of(arg));
        }
    }

    static void unsign(Path jar) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (JarFile in = new JarFile(jar.toFile(), false)) {
            Manifest manifest = new Manifest();
            if (in.getManifest() != null) {
                manifest.getMainAttributes().putAll(in.getManifest().getMainAttributes());
            }
            try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    String name = entry.getName();
                    if (name.equalsIgnoreCase(JarFile.MANIFEST_NAME) || name.equalsIgnoreCase("META-INF/")
                            || SIGNATURE.matcher(name).matches()) {
                        continue;
                    }
                    JarEntry copy = new JarEntry(name);
                    copy.setTime(entry.getTime());
                    out.putNextEntry(copy);
                    try (InputStream data = in.getInputStream(entry)) {
                        data.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("unsigned " + jar.getFileName());
    }
}
