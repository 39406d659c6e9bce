package org.sockethub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {

    @TempDir
    Path dir;

    private Configuration load(String file, Map<String, String> env, String... args) throws Exception {
        if (file != null) {
            Files.writeString(dir.resolve("sockethub.config.json"), file);
        }
        return Configuration.load(Cli.parse(args), env, dir, dir);
    }

    @Test
    void defaultsWhenNothingIsGiven() throws Exception {
        var c = load(null, Map.of()).json();
        assertEquals(10550, c.path("sockethub").path("port").asInt());
        assertEquals("127.0.0.1", c.path("sockethub").path("host").asText());
        assertEquals("/sockethub", c.path("sockethub").path("path").asText());
        assertEquals(60000, c.path("jobs").path("timeoutMs").asInt());
        assertEquals(false, c.path("examples").asBoolean());
        assertEquals("", c.path("redis").path("url").asText());
    }

    @Test
    void flagsBeatEnvironmentBeatsFile() throws Exception {
        String file = "{\"sockethub\":{\"port\":1111,\"host\":\"0.0.0.0\"},\"redis\":{\"url\":\"redis://file:1\"}}";
        var fileOnly = load(file, Map.of()).json();
        assertEquals(1111, fileOnly.path("sockethub").path("port").asInt());
        var env = load(file, Map.of("PORT", "2222", "REDIS_URL", "redis://env:2")).json();
        assertEquals(2222, env.path("sockethub").path("port").asInt());
        assertEquals("redis://env:2", env.path("redis").path("url").asText());
        assertEquals("0.0.0.0", env.path("sockethub").path("host").asText());
        var flags = load(file, Map.of("PORT", "2222"), "--port", "3333", "--redis.url=redis://flag:3").json();
        assertEquals(3333, flags.path("sockethub").path("port").asInt());
        assertEquals("redis://flag:3", flags.path("redis").path("url").asText());
    }

    @Test
    void aRedisClusterComesFromTheFileTheEnvironmentOrAFlagAndARedisUrlAboveItWins() throws Exception {
        String file = "{\"redis\":{\"cluster\":{\"nodes\":[\"redis://file:1\"]}}}";
        assertEquals("[\"redis://file:1\"]", load(file, Map.of()).json().path("redis").path("cluster").path("nodes").toString());
        var env = load(file, Map.of("REDIS_CLUSTER_NODES", "redis://a:1, redis://b:2,")).json();
        assertEquals("[\"redis://a:1\",\"redis://b:2\"]", env.path("redis").path("cluster").path("nodes").toString());
        var flag = load(file, Map.of("REDIS_CLUSTER_NODES", "redis://a:1"), "--redis.cluster.nodes", "redis://c:3").json();
        assertEquals("[\"redis://c:3\"]", flag.path("redis").path("cluster").path("nodes").toString());
        // a single Redis named by the environment or a flag replaces a cluster of the file (or of the environment)
        var url = load(file, Map.of("REDIS_CLUSTER_NODES", "redis://a:1"), "--redis.url", "redis://one:4").json();
        assertTrue(url.path("redis").path("cluster").path("nodes").isMissingNode(), url.toString());
        assertEquals("redis://one:4", url.path("redis").path("url").asText());
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("{\"redis\":{\"cluster\":{\"nodes\":[\"host:1\"]}}}", Map.of()));
        assertTrue(e.getMessage().contains("/redis/cluster/nodes/0"), e.getMessage());
    }

    @Test
    void theClusterSecretComesFromTheFileOrTheEnvironmentAndIsLongOrEmpty() throws Exception {
        assertEquals("", load(null, Map.of()).json().path("cluster").path("secret").asText("missing"));
        String secret = "x".repeat(32);
        assertEquals(secret, load("{\"cluster\":{\"secret\":\"" + secret + "\"}}", Map.of()).json().path("cluster").path("secret").asText());
        assertEquals(secret + "env", load(null, Map.of("SOCKETHUB_CLUSTER_SECRET", secret + "env")).json().path("cluster").path("secret").asText());
        ConfigException e = assertThrows(ConfigException.class, () -> load("{\"cluster\":{\"secret\":\"short\"}}", Map.of()));
        assertTrue(e.getMessage().contains("/cluster/secret"), e.getMessage());
        assertFalse(e.getMessage().contains("short"), "the secret is not printed: " + e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(null, Map.of("SOCKETHUB_CLUSTER_SECRET", "short")));
        assertTrue(e.getMessage().contains("/cluster/secret"), e.getMessage());
        assertThrows(Cli.UsageException.class, () -> Cli.parse(new String[] {"--cluster.secret", secret}), "no flag: argv is visible");
    }

    @Test
    void redisHostAndPortAreUsedWithoutRedisUrl() throws Exception {
        var c = load(null, Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", "6390")).json();
        assertEquals("redis://127.0.0.1:6390", c.path("redis").path("url").asText());
    }

    @Test
    void refusesUnknownKeysAndWrongTypesNamingThem() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("{\"sockethub\":{\"port\":\"x\"},\"colour\":\"red\"}", Map.of()));
        assertTrue(e.getMessage().contains("/sockethub/port"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key \"colour\""), e.getMessage());
    }

    @Test
    void refusesBadEnvironmentValues() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, Map.of("PORT", "ten")));
        assertEquals("PORT must be an integer, got \"ten\"", e.getMessage());
    }

    @Test
    void readsTheHttpActionsAndTrustProxyEnvironment() throws Exception {
        var json = load(null, Map.of("SOCKETHUB_HTTP_ACTIONS_ENABLED", "true", "SOCKETHUB_HTTP_ACTIONS_MAX_MESSAGES_PER_REQUEST", "3",
                "SOCKETHUB_HTTP_ACTIONS_TOKEN", "t", "SOCKETHUB_TRUST_PROXY", "2")).json();
        assertTrue(json.path("httpActions").path("enabled").asBoolean());
        assertEquals(3, json.path("httpActions").path("maxMessagesPerRequest").asInt());
        assertEquals("t", json.path("httpActions").path("token").asText());
        assertEquals("2", json.path("sockethub").path("trustProxy").asText());
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, Map.of("SOCKETHUB_HTTP_ACTIONS_ENABLED", "yes")));
        assertEquals("SOCKETHUB_HTTP_ACTIONS_ENABLED must be true or false, got \"yes\"", e.getMessage());
    }

    @Test
    void aMissingExplicitConfigFileIsFatal() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, Map.of(), "--config", "nope.json"));
        assertTrue(e.getMessage().endsWith("nope.json does not exist"), e.getMessage());
    }

    @Test
    void acceptsTheReferenceServersKeys() throws Exception {
        load("{\"platforms\":[\"@sockethub/platform-dummy\"],\"packageConfig\":{\"@sockethub/platform-dummy\":{\"greeting\":\"Hi\"}},"
                + "\"rateLimiter\":{\"maxRequests\":100},\"credentialCheck\":{\"reconnectIpSource\":\"proxy\"},"
                + "\"httpActions\":{\"enabled\":false},\"sentry\":{\"dsn\":\"\"},\"logging\":{\"level\":\"debug\"}}", Map.of());
    }

    @Test
    void debugSockethubTurnsOnDebugLogging() throws Exception {
        assertEquals("debug", load(null, Map.of("DEBUG", "sockethub*")).json().path("logging").path("level").asText());
        assertEquals("info", load(null, Map.of("DEBUG", "express:*")).json().path("logging").path("level").asText());
    }

    @Test
    void theWrittenDefaultsAreAValidConfiguration() throws Exception {
        String written = Configuration.defaults().toString();
        assertTrue(written.contains("\"$schema\""), written);
        var c = load(written, Map.of()).json();
        assertEquals(10550, c.path("sockethub").path("port").asInt());
    }

    @Test
    void writeConfigTakesAnOptionalPath() throws Exception {
        assertEquals("", Cli.parse(new String[] {"--write-config"}).value("write-config"));
        assertEquals("-", Cli.parse(new String[] {"--write-config", "-"}).value("write-config"));
        assertEquals("x.json", Cli.parse(new String[] {"--write-config=x.json"}).value("write-config"));
    }

    @Test
    void unknownFlagsAreUsageErrors() {
        assertThrows(Cli.UsageException.class, () -> Cli.parse(new String[] {"--bogus"}));
        assertThrows(Cli.UsageException.class, () -> Cli.parse(new String[] {"--port"}));
    }

    @Test
    void aReleaseKeepsItsDefaultsInItsFolderAndCommandLinePathsStayRelativeToTheWorkingDirectory() throws Exception {
        Path release = Files.createDirectories(dir.resolve("release"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(release.resolve("sockethub.config.json"), "{\"sockethub\":{\"port\":2222}}");
        var fromRelease = Configuration.load(Cli.parse(new String[0]), Map.of(), elsewhere, release);
        assertEquals(release.resolve("sockethub.config.json"), fromRelease.source());
        assertEquals(2222, fromRelease.json().path("sockethub").path("port").asInt());
        assertEquals(release.resolve("deploy").toString(), fromRelease.json().path("deploy").path("dir").asText());

        Files.writeString(release.resolve("sockethub.config.json"), "{\"deploy\":{\"dir\":\"jars\"}}");
        assertEquals(release.resolve("jars").toString(),
                Configuration.load(Cli.parse(new String[0]), Map.of(), elsewhere, release).json().path("deploy").path("dir").asText());
        assertEquals(elsewhere.resolve("mine").toString(), Configuration.load(Cli.parse(new String[] {"--deploy", "mine"}), Map.of(),
                elsewhere, release).json().path("deploy").path("dir").asText());
        Files.writeString(elsewhere.resolve("other.json"), "{}");
        assertEquals(elsewhere.resolve("other.json"),
                Configuration.load(Cli.parse(new String[] {"-c", "other.json"}), Map.of(), elsewhere, release).source());
    }
}
