package org.sockethub.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway's configuration under ConfigAdmin (Karaf's {@code etc/org.sockethub.gateway.cfg}). */
class GatewayConfigTest {

    private static final String BASE = "{\"sockethub\":{\"host\":\"127.0.0.1\",\"port\":10550,\"path\":\"/sockethub\"},"
            + "\"redis\":{\"url\":\"redis://127.0.0.1:6379\"},\"jobs\":{\"timeoutMs\":60000}}";

    /** What DS and ConfigAdmin add to every component's properties: never settings. */
    private static Map<String, Object> withDsProperties(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>(settings);
        p.put("component.name", "org.sockethub.gateway.GatewayComponent");
        p.put("component.id", 7L);
        p.put("service.pid", "org.sockethub.gateway");
        p.put("felix.fileinstall.filename", "file:/opt/karaf/etc/org.sockethub.gateway.cfg");
        p.put("reporter.target", "(sockethub.errors=report)"); // a reference's target filter
        p.put("reporter.cardinality.minimum", 0);
        return p;
    }

    @Test
    void withoutAConfigurationTheFrameworkPropertyIsUsedAsItIs() {
        GatewayConfig config = GatewayConfig.resolve(BASE, withDsProperties(Map.of()));
        assertEquals(10550, config.port());
        assertEquals("redis://127.0.0.1:6379", config.redisUrl());
    }

    @Test
    void aRedisClusterIsUsedWhenItsNodesAreGiven() {
        GatewayConfig single = GatewayConfig.resolve(BASE, withDsProperties(Map.of()));
        assertEquals(org.sockethub.jobs.RedisTarget.single("redis://127.0.0.1:6379"), single.redis());
        GatewayConfig cluster = GatewayConfig.resolve(BASE, withDsProperties(Map.of(
                "redis.cluster.nodes", "[\"redis://127.0.0.1:7001\", \"redis://:secret@127.0.0.1:7002\"]")));
        assertTrue(cluster.redis().isCluster());
        assertEquals(java.util.List.of("redis://127.0.0.1:7001", "redis://:secret@127.0.0.1:7002"), cluster.redis().clusterNodes());
        assertEquals("cluster redis://127.0.0.1:7001,redis://***@127.0.0.1:7002", cluster.redis().toString());
    }

    @Test
    void dottedPropertiesAreMergedOverItWithTheirJsonTypes() {
        GatewayConfig config = GatewayConfig.resolve(BASE, withDsProperties(Map.of(
                "sockethub.port", "10551",
                "redis.url", "redis://127.0.0.1:6390",
                "packageConfig.feeds.allowPrivateAddresses", "true",
                "sentry.logLevels", "[\"error\", \"warn\"]",
                "workers.drainTimeoutMs", 2500L)));
        assertEquals(10551, config.port());
        assertEquals("/sockethub", config.path(), "the rest of the section stays");
        assertEquals("redis://127.0.0.1:6390", config.redisUrl());
        assertEquals(60_000, config.jobTimeoutMs());
        assertTrue(config.root().path("packageConfig").path("feeds").path("allowPrivateAddresses").isBoolean());
        assertTrue(config.root().path("sentry").path("logLevels").isArray());
        assertEquals(2500, config.workerDrainTimeoutMs());
    }

    @Test
    void textThatOnlyLooksLikeJsonStaysText() {
        GatewayConfig config = GatewayConfig.resolve(BASE, withDsProperties(Map.of("sockethub.path", "/hub")));
        assertEquals("/hub", config.path());
        assertFalse(GatewayConfig.overlay(Map.of("redis.url", "{not json")).path("redis").path("url").isObject());
    }

    @Test
    void anUnknownKeyOrAWrongTypeIsRefusedNamingIt() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> GatewayConfig.resolve(BASE, withDsProperties(Map.of("sockethub.prot", "10551"))));
        assertTrue(unknown.getMessage().contains("unknown key \"prot\""), unknown.getMessage());
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> GatewayConfig.resolve(BASE, withDsProperties(Map.of("jobs.timeoutMs", "soon"))));
        assertTrue(wrongType.getMessage().contains("/jobs/timeoutMs"), wrongType.getMessage());
    }
}
