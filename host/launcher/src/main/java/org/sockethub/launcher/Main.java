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
        if (Arrays.asList(args).contains("--worker")) {
            WorkerMain.run();
            return;
        }
        System.exit(HostMain.run(args, System.getenv()));
    }
}
