package org.sockethub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockethub.jobs.WorkerStart;

/** What a worker host runs: the platforms of workerHost.platforms, found by their bundle's symbolic name. */
class WorkerHostTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path jar(Path folder, String file, String symbolicName) throws Exception {
        Files.createDirectories(folder);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        Path jar = folder.resolve(file);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.flush();
        }
        return jar;
    }

    @Test
    void findsEachPlatformsJarByItsSymbolicNameTheDropInFolderWinningAndMergesItsSettings() throws Exception {
        Path platforms = dir.resolve("platforms");
        Path deploy = dir.resolve("deploy");
        jar(platforms, "sockethub-platform-feeds-1.0.0.jar", "org.sockethub.platform.feeds");
        jar(platforms, "sockethub-platform-dummy-1.0.0.jar", "org.sockethub.platform.dummy;singleton:=true");
        Path newer = jar(deploy, "feeds-2.jar", "org.sockethub.platform.feeds");
        jar(deploy, "other.jar", "com.example.something");
        ObjectNode config = (ObjectNode) JSON.readTree("{\"workerHost\":{\"platforms\":[\"feeds\",\"dummy\"]},"
                + "\"packageConfig\":{\"@sockethub/platform-feeds\":{\"userAgent\":\"a\",\"concurrency\":4},\"feeds\":{\"userAgent\":\"b\"}}}");
        List<WorkerStart.Member> members = WorkerHost.members(config, List.of(platforms, deploy));
        assertEquals(List.of("feeds", "dummy"), members.stream().map(WorkerStart.Member::platformId).toList());
        assertEquals(newer.toUri().toString(), members.get(0).bundle(), "the drop-in folder's JAR");
        assertEquals("feeds", members.get(0).lane(), "the node's lane of the platform");
        assertEquals("b", members.get(0).config().path("userAgent").asText(), "the platform id's key wins over its alias");
        assertEquals(4, members.get(0).concurrency());
        assertEquals(10, members.get(1).concurrency());
    }

    @Test
    void aPlatformWithoutAJarOrAnEmptyListIsAConfigurationError() throws Exception {
        Path platforms = dir.resolve("platforms");
        jar(platforms, "sockethub-platform-dummy-1.0.0.jar", "org.sockethub.platform.dummy");
        ConfigException missing = assertThrows(ConfigException.class, () -> WorkerHost.members(
                (ObjectNode) JSON.readTree("{\"workerHost\":{\"platforms\":[\"metadata\"]}}"), List.of(platforms)));
        assertTrue(missing.getMessage().startsWith("workerHost.platforms: no JAR of platform metadata in "), missing.getMessage());
        assertThrows(ConfigException.class, () -> WorkerHost.members(
                (ObjectNode) JSON.readTree("{\"workerHost\":{\"platforms\":[]}}"), List.of(platforms)));
    }
}
