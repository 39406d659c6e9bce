package org.sockethub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FelixBootTest {

    @Test
    void sweepsTheCachesOfHostsThatAreGoneAndNothingElse(@TempDir Path tmp) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        long alive = ProcessHandle.current().pid();
        Path deadHost = Files.createDirectories(tmp.resolve("sockethub-felix-" + dead + "-123/bundle1"));
        Path deadWorker = Files.createDirectories(tmp.resolve("sockethub-worker-" + dead + "-irc-456"));
        Path liveHost = Files.createDirectories(tmp.resolve("sockethub-felix-" + alive + "-789"));
        Path liveWorker = Files.createDirectories(tmp.resolve("sockethub-worker-" + alive + "-dummy-1"));
        Path other = Files.createDirectories(tmp.resolve("sockethub-e2e-abc"));
        Path file = Files.writeString(tmp.resolve("sockethub-felix-" + dead + "-file"), "x");

        assertEquals(2, FelixBoot.sweepStaleCaches(tmp));
        assertFalse(Files.exists(deadHost.getParent()));
        assertFalse(Files.exists(deadWorker));
        assertTrue(Files.exists(liveHost));
        assertTrue(Files.exists(liveWorker));
        assertTrue(Files.exists(other));
        assertTrue(Files.exists(file), "only folders");
    }
}
