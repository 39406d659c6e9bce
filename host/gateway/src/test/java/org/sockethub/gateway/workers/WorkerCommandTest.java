package org.sockethub.gateway.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerCommandTest {

    @TempDir
    Path dir;

    private static List<String> from(Map<String, String> properties) {
        return WorkerCommand.from(properties::get);
    }

    @Test
    void theLaunchersOwnCommandWins() {
        assertEquals(List.of("-cp", "a.jar", "Main", "--worker"), from(Map.of(
                "sockethub.worker.command", "[\"-cp\",\"a.jar\",\"Main\",\"--worker\"]",
                "sockethub.worker.home", "/elsewhere")));
    }

    @Test
    void workerHomeNamesTheLauncherDistribution() {
        assertEquals(List.of("-cp", Path.of("/opt/sockethub/sockethub-launcher.jar").toString(), "org.sockethub.launcher.Main", "--worker"),
                from(Map.of("sockethub.worker.home", "/opt/sockethub")));
    }

    @Test
    void inKarafTheDistributionMayLiveInKarafHomeSockethub() throws Exception {
        Files.createDirectories(dir.resolve("sockethub"));
        Files.writeString(dir.resolve("sockethub/sockethub-launcher.jar"), "");
        assertEquals(List.of("-cp", dir.resolve("sockethub/sockethub-launcher.jar").toString(), "org.sockethub.launcher.Main", "--worker"),
                from(Map.of("karaf.home", dir.toString())));
    }

    @Test
    void nothingConfiguredIsNoCommand() {
        assertEquals(List.of(), from(Map.of("karaf.home", dir.toString())));
    }
}
