package org.sockethub.gateway.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.sockethub.gateway.RedisForTests;

/** The credential store against a real Redis (spec §3.3, §7.7 "data layer — store"). */
class CredentialStoreRedisTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedissonClient redis;

    private record Owner(String id, byte[] secret) implements CredentialStore.Owner {
    }

    @BeforeAll
    static void connect() {
        redis = RedisForTests.client();
    }

    @AfterAll
    static void disconnect() {
        redis.shutdown();
    }

    private static Owner session(String id) {
        return new Owner(id, CredentialCipher.newSecret());
    }

    private static ObjectNode credentials(String actor, String password) throws Exception {
        return (ObjectNode) JSON.readTree("{\"type\":\"credentials\",\"actor\":{\"id\":\"" + actor + "\"},"
                + "\"object\":{\"type\":\"credentials\",\"nick\":\"" + actor + "\",\"password\":\"" + password + "\"}}");
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    private Map<String, String> raw(CredentialStore store, Owner owner) {
        return redis.<String, String>getMap(store.key(owner), StringCodec.INSTANCE).readAllMap();
    }

    @Test
    void getsNothingBeforeASaveThenWhatWasSavedThenTheUpdate() throws Exception {
        CredentialStore store = new CredentialStore(redis, RedisForTests.nodeId(), 0, org.sockethub.gateway.ops.Metrics.NONE);
        Owner a = session("a");
        assertNull(await(store.load(a, "irc", "alice")));
        await(store.save(a, "irc", "alice", credentials("alice", "first-secret")));
        assertEquals(credentials("alice", "first-secret"), await(store.load(a, "irc", "alice")));
        await(store.save(a, "irc", "alice", credentials("alice", "second-secret")));
        assertEquals(credentials("alice", "second-secret"), await(store.load(a, "irc", "alice")));
        assertNull(await(store.load(a, "xmpp", "alice")), "per platform");
        assertNull(await(store.load(a, "irc", "bob")), "per actor");
    }

    @Test
    void keepsSessionsApart() throws Exception {
        CredentialStore store = new CredentialStore(redis, RedisForTests.nodeId(), 0, org.sockethub.gateway.ops.Metrics.NONE);
        Owner a = session("a");
        await(store.save(a, "irc", "alice", credentials("alice", "secret-a")));
        assertNull(await(store.load(session("b"), "irc", "alice")), "another session has its own hash");
        Owner impostor = new Owner("a", CredentialCipher.newSecret());
        assertNull(await(store.load(impostor, "irc", "alice")), "the session id alone opens nothing");
        CredentialStore otherBoot = new CredentialStore(redis, store.key(a).split("[{}]")[1], 0, org.sockethub.gateway.ops.Metrics.NONE);
        assertNull(await(otherBoot.load(a, "irc", "alice")), "nor does another boot's store");
        assertEquals(credentials("alice", "secret-a"), await(store.load(a, "irc", "alice")));
    }

    @Test
    void storesOneSealedHashPerSessionWithNoPlaintext() throws Exception {
        CredentialStore store = new CredentialStore(redis, RedisForTests.nodeId(), 0, org.sockethub.gateway.ops.Metrics.NONE);
        Owner a = session("a");
        await(store.save(a, "irc", "alice", credentials("alice", "hunter2")));
        await(store.save(a, "xmpp", "alice@example.org", credentials("alice@example.org", "hunter3")));
        Map<String, String> hash = raw(store, a);
        assertEquals(2, hash.size());
        for (Map.Entry<String, String> field : hash.entrySet()) {
            assertTrue(field.getKey().matches("[0-9a-f]{64}"), field.getKey());
            assertFalse(field.getValue().contains("hunter"), field.getValue());
            assertFalse(field.getValue().contains("alice"), field.getValue());
        }
        assertEquals(-1, redis.getKeys().remainTimeToLive(store.key(a)), "no TTL when ttlMs is 0");
    }

    @Test
    void slidesItsTimeToLiveOnEveryUse() throws Exception {
        CredentialStore store = new CredentialStore(redis, RedisForTests.nodeId(), 60_000, org.sockethub.gateway.ops.Metrics.NONE);
        Owner a = session("a");
        await(store.save(a, "irc", "alice", credentials("alice", "pw")));
        long afterSave = redis.getKeys().remainTimeToLive(store.key(a));
        assertTrue(afterSave > 55_000 && afterSave <= 60_000, "ttl " + afterSave);
        redis.getBucket(store.key(a)).expire(java.time.Duration.ofSeconds(10));
        assertEquals(credentials("alice", "pw"), await(store.load(a, "irc", "alice")));
        long afterLoad = redis.getKeys().remainTimeToLive(store.key(a));
        assertTrue(afterLoad > 55_000, "a read slides it back: " + afterLoad);
    }

    @Test
    void forgetsASessionWhenItEnds() throws Exception {
        CredentialStore store = new CredentialStore(redis, RedisForTests.nodeId(), 0, org.sockethub.gateway.ops.Metrics.NONE);
        Owner a = session("a");
        Owner b = session("b");
        await(store.save(a, "irc", "alice", credentials("alice", "pw")));
        await(store.save(b, "irc", "bob", credentials("bob", "pw")));
        assertTrue(await(store.exists(a)));
        assertTrue(await(store.delete(a)));
        assertEquals(0, redis.getKeys().countExists(store.key(a)));
        assertFalse(await(store.exists(a)));
        assertFalse(await(store.delete(a)), "nothing left to delete");
        assertNull(await(store.load(a, "irc", "alice")));
        assertEquals(credentials("bob", "pw"), await(store.load(b, "irc", "bob")), "other sessions keep theirs");
    }
}
