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
        // Netty's buffer leak sampling costs on every Redis command; the code has no manual
        // buffer handling to check. Set before any Netty class loads (host and workers).
        System.setProperty("io.netty.leakDetection.level", System.getProperty("io.netty.leakDetection.level", "disabled"));
        if (Arrays.asList(args).contains("--worker")) {
            WorkerMain.run();
            return;
        }
        if (Arrays.asList(args).contains("--cds-training")) { // the build's, see CdsTraining
            System.exit(CdsTraining.run());
        }
        System.exit(HostMain.run(args, System.getenv()));
    }
}
