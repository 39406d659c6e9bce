package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerJvmTest {

    @TempDir
    Path home;

    private List<String> command() {
        return List.of("-cp", home.resolve("sockethub-launcher.jar").toString(), "org.sockethub.launcher.Main", "--worker");
    }

    @Test
    void aWorkerMapsTheArchiveOfItsOwnPlatforms() throws Exception {
        Files.createDirectories(home.resolve("cds"));
        Files.writeString(home.resolve("cds/worker-dummy+feeds+metadata.jsa"), "");
        List<String> options = WorkerJvm.options(256, command(), List.of(), "dummy+feeds+metadata");
        assertTrue(options.contains("-XX:SharedArchiveFile=" + home.resolve("cds/worker-dummy+feeds+metadata.jsa")), options.toString());
        assertTrue(options.contains("-Xmx256m"));
        assertTrue(options.contains("-XX:+UseSerialGC") && options.contains("-XX:NewRatio=1"), options.toString());
        assertTrue(options.contains("-XX:FreqInlineSize=100") && options.contains("-XX:InlineSmallCode=1000"), options.toString());
        assertTrue(options.contains("-XX:PerMethodTrapLimit=0"), options.toString());
    }

    @Test
    void aSmallMachineGetsASecondC2Thread() {
        assertEquals(java.util.Optional.of("-XX:CICompilerCount=3"), WorkerJvm.compilerThreads(1));
        assertEquals(java.util.Optional.of("-XX:CICompilerCount=3"), WorkerJvm.compilerThreads(2));
        assertEquals(java.util.Optional.of("-XX:CICompilerCount=3"), WorkerJvm.compilerThreads(3));
        assertEquals(java.util.Optional.empty(), WorkerJvm.compilerThreads(4), "from 4 processors the JDK's count is as large");
        List<String> options = WorkerJvm.options(128, command(), List.of(), "hello");
        assertEquals(Runtime.getRuntime().availableProcessors() < 4, options.contains("-XX:CICompilerCount=3"), options.toString());
    }

    @Test
    void aWorkerWhosePlatformsHaveNoArchiveStartsWithout() {
        List<String> options = WorkerJvm.options(128, command(), List.of(), "hello");
        assertFalse(options.stream().anyMatch(o -> o.startsWith("-XX:SharedArchiveFile")), options.toString());
    }

    @Test
    void theOperatorsOptionsComeLastWithTheWorkersName() {
        List<String> options = WorkerJvm.options(128, command(), List.of("-Xlog:gc:file=gc-{worker}.log"), "irc/i3");
        assertTrue(options.get(options.size() - 1).equals("-Xlog:gc:file=gc-irc_i3.log"), options.toString());
    }
}
