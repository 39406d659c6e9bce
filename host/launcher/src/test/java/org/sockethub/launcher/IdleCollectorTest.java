package org.sockethub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM gone quiet gives its grown heap back, with the host's and the workers' collector (Serial,
 * run in a JVM of its own here, as this one may run another collector).
 */
class IdleCollectorTest {

    /** The child JVM: grows its heap to ~96 MB of live data, drops it, then collects. */
    public static final class Grown {
        public static void main(String[] args) {
            List<byte[]> live = new ArrayList<>();
            for (int i = 0; i < 1536; i++) {
                live.add(new byte[64 * 1024]);
            }
            System.gc(); // promoted, and nothing to shrink: Serial's damping starts again from 0 %
            long grown = IdleCollector.committedHeap();
            live.clear();
            int runs;
            if (args[0].equals("once")) {
                System.gc();
                runs = 1;
            } else {
                runs = IdleCollector.shrink();
            }
            System.out.println(grown + " " + IdleCollector.committedHeap() + " " + runs);
        }
    }

    private static long[] run(String mode) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xms8m", "-Xmx512m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
                "-cp", System.getProperty("java.class.path"), Grown.class.getName(), mode);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not end");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        String[] last = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        return new long[] {Long.parseLong(last[0]), Long.parseLong(last[1]), Long.parseLong(last[2])};
    }

    @Test
    void aQuietJvmShrinksItsHeapToMaxHeapFreeRatio() throws Exception {
        long[] shrunk = run("shrink");
        assertTrue(shrunk[0] > 96L << 20, "grew to " + shrunk[0]);
        assertTrue(shrunk[1] < 24L << 20, "committed after the idle collection: " + shrunk[1] + " of " + shrunk[0]);
        assertTrue(shrunk[2] >= 2 && shrunk[2] <= IdleCollector.MOST_FULL, shrunk[2] + " full collections");
    }

    @Test
    void oneFullCollectionAloneKeepsTheGrownHeap() throws Exception {
        // why shrink() collects more than once: Serial's first full collection after one that did
        // not shrink gives nothing back (-XX:+ShrinkHeapInSteps, the default)
        long[] once = run("once");
        assertTrue(once[1] > 96L << 20, "committed after one full collection: " + once[1] + " of " + once[0]);
    }
}
