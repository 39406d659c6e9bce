package org.sockethub.gateway.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the gateway starts a worker JVM (after {@code java} and the JVM options): the class path and
 * main class of the launcher's worker mode. Workers never run inside the gateway's own framework,
 * so they need the launcher distribution ({@code sockethub-launcher.jar} with its {@code lib/}
 * and {@code worker-bundles/}) on disk, also when the gateway runs in Apache Karaf.
 *
 * <p>Where it comes from, first match wins (framework properties, which in Karaf also means
 * {@code etc/config.properties}, {@code etc/custom.properties} and system properties such as
 * those in {@code etc/system.properties}):
 * <ol>
 * <li>{@code sockethub.worker.command}: the whole command as a JSON array (the launcher sets it);</li>
 * <li>{@code sockethub.worker.home}: the folder holding {@code sockethub-launcher.jar};</li>
 * <li>{@code ${karaf.home}/sockethub}, if it holds {@code sockethub-launcher.jar}.</li>
 * </ol>
 */
public final class WorkerCommand {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerCommand.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The launcher jar's name in its distribution folder. */
    public static final String LAUNCHER_JAR = "sockethub-launcher.jar";
    private static final String WORKER_MAIN = "org.sockethub.launcher.Main";

    private WorkerCommand() {
    }

    /**
     * @param property reads a framework property ({@code null} when unset)
     * @return the worker command; empty (with an error logged) when none is configured
     */
    public static List<String> from(UnaryOperator<String> property) {
        String command = property.apply("sockethub.worker.command");
        if (command != null && !command.isBlank()) {
            List<String> parts = new ArrayList<>();
            try {
                for (JsonNode part : JSON.readTree(command)) {
                    parts.add(part.asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("sockethub.worker.command is not a JSON array of strings", e);
            }
            return parts;
        }
        String home = property.apply("sockethub.worker.home");
        if (home == null || home.isBlank()) {
            String karaf = property.apply("karaf.home");
            if (karaf != null && Files.isRegularFile(Path.of(karaf, "sockethub", LAUNCHER_JAR))) {
                home = Path.of(karaf, "sockethub").toString();
            }
        }
        if (home == null || home.isBlank()) {
            LOG.error("no worker command: set sockethub.worker.home to the folder of {} (the launcher distribution);"
                    + " platforms cannot run until then", LAUNCHER_JAR);
            return List.of();
        }
        Path jar = Path.of(home, LAUNCHER_JAR).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            LOG.error("sockethub.worker.home {}: no {} there; platforms cannot run", home, LAUNCHER_JAR);
        }
        return List.of("-cp", jar.toString(), WORKER_MAIN, "--worker");
    }
}
