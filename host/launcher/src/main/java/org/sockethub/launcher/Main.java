package org.sockethub.launcher;

import java.util.Arrays;
import org.sockethub.launcher.worker.WorkerMain;

/**
 * The run command. {@code --worker} runs a platform worker (forked by the gateway, fed over
 * stdin); anything else runs the host.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        configureLibraries();
        if (Arrays.asList(args).contains("--worker")) {
            WorkerMain.run();
            return;
        }
        if (Arrays.asList(args).contains("--cds-training")) { // the build's, see CdsTraining
            System.exit(CdsTraining.run());
        }
        System.exit(HostMain.run(args, System.getenv()));
    }

    /**
     * Settings of the libraries (host and workers), made before any of their classes loads; an
     * operator's {@code -D} wins.
     * <ul>
     * <li>Netty's buffer leak sampling costs on every Redis command; the code has no manual buffer
     * handling to check.</li>
     * <li>Netty 4.2's buffer allocator registers JFR events at its first allocation, which sets up
     * the whole JFR metadata repository: ~90 ms of every JVM's start.</li>
     * <li>Jetty sizes its queues by the object references per cache line and, unless told, asks
     * the JVM whether references are compressed through the platform MBean server: ~70 ms of the
     * host's start. They are, below a 32 GB heap.</li>
     * <li>slf4j finds its provider with a ServiceLoader scan of the class path unless it is named
     * (and then says so on stderr, unless told to keep to warnings); ours is slf4j-simple. The
     * scan's main cost, opening every jar, is paid by whichever class path look-up comes first
     * (Felix's {@code FrameworkUtil} also scans), so this saves the scan, not that.</li>
     * </ul>
     */
    static void configureLibraries() {
        var properties = System.getProperties();
        properties.putIfAbsent("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
        properties.putIfAbsent("slf4j.internal.verbosity", "WARN");
        properties.putIfAbsent("io.netty.leakDetection.level", "disabled");
        properties.putIfAbsent("io.netty.jfr.enabled", "false");
        properties.putIfAbsent("org.eclipse.jetty.util.referencesPerCacheLine",
                Runtime.getRuntime().maxMemory() < (32L << 30) ? "16" : "8");
    }
}
