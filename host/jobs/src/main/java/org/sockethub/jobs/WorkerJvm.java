package org.sockethub.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM a worker runs in: small by default, since a worker holds little (a few platform
 * instances, a Redis client) and a server runs several. Serial GC with a heap that starts
 * small and grows only as needed, native memory handed back to the OS, and the launcher's
 * class-data-sharing archive for this worker's platforms ({@code cds/worker-<platforms>.jsa},
 * written by the build for the default groups) so that classes are mapped instead of loaded,
 * parsed and verified on every start. A worker whose platforms have no archive starts without one.
 */
public final class WorkerJvm {

    private WorkerJvm() {
    }

    /**
     * @param maxHeapMb {@code workers.maxHeapMb}
     * @param command   the worker command (its {@code -cp} names the launcher jar)
     * @param extra     {@code workers.javaOptions}, last so that they win; {@code {worker}} in them
     *                  stands for the worker's name ({@link #fileName})
     * @param name      the worker's platforms joined by {@code +} (an isolated instance's worker: its platform)
     * @return the JVM options, before the class path and main class
     */
    public static List<String> options(int maxHeapMb, List<String> command, List<String> extra, String name) {
        List<String> options = new ArrayList<>();
        // a flag below that this JDK lacks (TrimNativeHeapInterval in an older JDK 17) is skipped, as in
        // bin/sockethub; asking the JVM through JMX instead cost the host ~75 ms at every start
        options.add("-XX:+IgnoreUnrecognizedVMOptions");
        options.add("-Xms8m");
        options.add("-Xmx" + maxHeapMb + "m");
        options.add("-XX:+UseSerialGC");
        options.add("-XX:MinHeapFreeRatio=10");
        options.add("-XX:MaxHeapFreeRatio=30");
        // the young generation as large as the old (the default is half): a worker's young
        // collections (~1.3 ms each, most of it fixed) ran ~25 times a second under load in an
        // eden of 5 MB (bench/README.md, 2026-12-07 (night))
        options.add("-XX:NewRatio=1");
        options.add("-Xss512k");
        options.add("-XX:TrimNativeHeapInterval=5000"); // give freed malloc memory (compiler arenas) back
        // C2 inlines less, so its compilations in the first minute under load are smaller: the server
        // reaches its steady speed ~10 s after its first echo instead of ~25 s (bench/README.md, 2026-12-06 evening)
        options.add("-XX:FreqInlineSize=100");
        options.add("-XX:InlineSmallCode=1000");
        // C2 compiles both sides of a branch the profile never saw taken, instead of a trap that
        // throws the code away when the branch is taken: a server warmed by 50 clients then serving
        // one took seconds of deoptimisations and recompilations (1-client p99 2.6-3.3 ms instead of
        // 1.3, for 3-5 % of the echoes per CPU-second; bench/README.md, 2026-12-07 (day))
        options.add("-XX:PerMethodTrapLimit=0");
        compilerThreads(Runtime.getRuntime().availableProcessors()).ifPresent(options::add);
        Path archive = archive(command, name);
        if (archive != null) {
            options.add("-XX:SharedArchiveFile=" + archive);
            // map the archive where it was dumped, as bin/sockethub does: relocated (the default of
            // newer JDK 17 builds) its pages are patched and private; at its base the JDK's archive is
            // shared with the host (PSS -12 MB; RSS and start CPU measured unchanged, bench/README.md)
            options.add("-XX:+UnlockDiagnosticVMOptions");
            options.add("-XX:ArchiveRelocationMode=0");
            options.add("-Xlog:cds=off");
            options.add("-Xlog:cds+dynamic=off");
        }
        for (String option : extra) {
            options.add(option.replace("{worker}", fileName(name)));
        }
        return options;
    }

    /**
     * The compiler threads for a machine with this many processors, as {@code bin/sockethub} sets
     * them for the host. Below 4 the JDK runs one C1 and one C2 thread: in the first seconds under
     * load C2's queue grows long, and the JDK then compiles hot methods with C1's cheaper code first
     * (tier 2) and again later. With a second C2 thread (the JDK's count for 4 processors) the
     * server served 17 % more echoes per CPU-second 5–10 s after its first echo and 12 % more
     * 10–15 s after (nine pairs), for ~10 MB more at the load's peak and ~100 ms more before
     * "listening" (bench/README.md, 2026-12-07 (evening)).
     *
     * @param cpus the processors the JVM may use
     * @return {@code -XX:CICompilerCount=3} below 4 processors, else nothing (the JDK's count)
     */
    static java.util.Optional<String> compilerThreads(int cpus) {
        return cpus < 4 ? java.util.Optional.of("-XX:CICompilerCount=3") : java.util.Optional.empty();
    }

    /**
     * A worker's whole command line: the gateway's supervisor and the launcher (which may start a
     * worker ahead of need, {@code SpareWorkers}) build it the same way, so that they can tell
     * whether a process started ahead is the one wanted.
     *
     * @param maxHeapMb  {@code workers.maxHeapMb}
     * @param command    the worker command (class path, main class, {@code --worker})
     * @param extra      {@code workers.javaOptions}
     * @param archiveKey whose class-data-sharing archive it maps: its group's or platform's key
     * @param name       its name in logs: its key, or an isolated instance's lane
     * @return {@code java}, its options and the worker command
     */
    public static List<String> command(int maxHeapMb, List<String> command, List<String> extra, String archiveKey,
                                       String name) {
        List<String> all = new ArrayList<>();
        all.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        all.addAll(options(maxHeapMb, command, extra, archiveKey));
        all.add("-Dsockethub.worker=" + name);
        // the host's temporary folder (bin/sockethub keeps it in the server's folder) is the worker's:
        // the worker's Felix cache is there, where the host looks for it (WorkerStart.cacheDir)
        all.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        all.addAll(command);
        return all;
    }

    /** @return a worker name as a file name part: {@code dummy+feeds+metadata}, {@code irc} */
    public static String fileName(String name) {
        return name.replaceAll("[^A-Za-z0-9+._-]", "_");
    }

    /** Environment for a worker: few malloc arenas (a worker has few busy threads). */
    public static void environment(Map<String, String> env) {
        env.putIfAbsent("MALLOC_ARENA_MAX", "2");
    }

    /** @return the launcher distribution's archive for a worker of these platforms, if the build made one */
    static Path archive(List<String> command, String name) {
        int cp = command.indexOf("-cp");
        if (cp < 0 || cp + 1 >= command.size()) {
            return null;
        }
        Path home = Path.of(command.get(cp + 1)).toAbsolutePath().getParent();
        Path archive = home == null ? null : home.resolve("cds").resolve("worker-" + fileName(name) + ".jsa");
        return archive != null && Files.isRegularFile(archive) ? archive : null;
    }
}
