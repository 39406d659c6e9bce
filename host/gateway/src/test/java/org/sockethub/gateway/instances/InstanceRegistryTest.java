package org.sockethub.gateway.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InstanceRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final InstanceRegistry registry = new InstanceRegistry(3);
    private final Set<String> connected = new HashSet<>(Set.of("a", "b", "c"));

    private static ObjectNode creds(String object) throws Exception {
        return (ObjectNode) JSON.readTree("{\"type\":\"credentials\",\"object\":" + object + "}");
    }

    private PersistentInstance resolve(String actor, String session, String address, ObjectNode creds) throws Exception {
        return registry.resolve("chat", actor, session, address, creds, connected::contains);
    }

    @Test
    void scopesSecretBearingCredentialsByTheirHash() throws Exception {
        PersistentInstance first = resolve("alice", "a", "10.0.0.1", creds("{\"password\":\"pw\",\"resource\":\"laptop\"}"));
        assertSame(first, resolve("alice", "b", "10.0.0.2", creds("{\"resource\":\"laptop\",\"password\":\"pw\"}")));
        PersistentInstance phone = resolve("alice", "c", "10.0.0.3", creds("{\"password\":\"pw\",\"resource\":\"phone\"}"));
        PersistentInstance wrong = resolve("alice", "d", "10.0.0.4", creds("{\"password\":\"other\",\"resource\":\"laptop\"}"));
        assertNotSame(first, phone);
        assertNotSame(first, wrong);
        assertNotSame(phone, wrong);
        assertEquals(Set.of("a", "b"), first.sessions());
        assertEquals(Set.of("c"), phone.sessions());
    }

    @Test
    void aSessionThatChangesItsCredentialsLeavesTheInstanceOfTheOldOnes() throws Exception {
        PersistentInstance first = resolve("lee", "a", "10.0.0.1", creds("{\"password\":\"pw\"}"));
        resolve("lee", "b", "10.0.0.2", creds("{\"password\":\"pw\"}"));
        PersistentInstance own = resolve("lee", "b", "10.0.0.2", creds("{\"password\":\"changed\"}"));
        assertNotSame(first, own);
        assertEquals(Set.of("a"), first.sessions());
        assertEquals(Set.of("b"), own.sessions());
    }

    @Test
    void anActorIdWithoutCredentialsNeverReachesAnotherSessionsInstance() throws Exception {
        PersistentInstance owner = resolve("erin", "a", "10.0.0.1", creds("{\"password\":\"pw\"}"));
        PersistentInstance probe = resolve("erin", "b", "10.0.0.1", null);
        assertNotSame(owner, probe);
        assertEquals(Set.of("a"), owner.sessions());
    }

    @Test
    void aSameAddressSessionWithoutCredentialsReclaimsAnOrphanedSecretInstance() throws Exception {
        PersistentInstance hal = resolve("hal", "a", "10.0.0.1", creds("{\"password\":\"pw\"}"));
        hal.bound();
        assertNotSame(hal, resolve("hal", "b", "10.0.0.2", null), "another address");
        connected.remove("a");
        assertSame(hal, resolve("hal", "c", "10.0.0.1", null), "the same address, its session gone");
        assertEquals(Set.of("c"), hal.sessions());
    }

    @Test
    void anonymousCredentialsAreNeverShared() throws Exception {
        resolve("bob", "a", "10.0.0.1", creds("{\"nick\":\"bob\"}"));
        assertThrows(InstanceRegistry.Refused.class, () -> resolve("bob", "b", "10.0.0.2", creds("{\"nick\":\"bob\"}")));
        assertThrows(InstanceRegistry.Refused.class, () -> resolve("bob", "c", "10.0.0.2", null));
    }

    @Test
    void aSameAddressReconnectReclaimsOnlyWhenTheOldSessionIsGone() throws Exception {
        PersistentInstance first = resolve("carol", "a", "10.0.0.1", creds("{\"nick\":\"carol\"}"));
        assertThrows(InstanceRegistry.Refused.class, () -> resolve("carol", "b", "10.0.0.1", creds("{\"nick\":\"carol\"}")));
        connected.remove("a");
        assertSame(first, resolve("carol", "b", "10.0.0.1", creds("{\"nick\":\"carol\"}")));
        assertEquals(Set.of("b"), first.sessions());
    }

    @Test
    void theJanitorGivesOneCycleOfGraceWhichAReturningSessionResets() throws Exception {
        PersistentInstance instance = resolve("dave", "a", "10.0.0.1", creds("{\"nick\":\"dave\"}"));
        instance.bound();
        assertTrue(registry.sweep(connected::contains).isEmpty());
        connected.remove("a");
        assertTrue(registry.sweep(connected::contains).isEmpty(), "flagged, not yet reaped");
        connected.add("b");
        resolve("dave", "b", "10.0.0.1", creds("{\"nick\":\"dave\"}")); // reclaimed: the flag is cleared
        connected.remove("b");
        assertTrue(registry.sweep(connected::contains).isEmpty(), "a fresh grace");
        assertEquals(1, registry.sweep(connected::contains).size());
    }

    @Test
    void anInstanceWithAJobRunningIsNotReaped() throws Exception {
        PersistentInstance connecting = resolve("erin", "a", "10.0.0.1", creds("{\"password\":\"pw\"}"));
        connecting.jobStarted();
        registry.sweep(connected::contains);
        assertTrue(registry.sweep(connected::contains).isEmpty(), "not initialized, but mid-connect");
        connecting.jobEnded();
        registry.sweep(connected::contains);
        assertEquals(1, registry.sweep(connected::contains).size());
    }

    @Test
    void renamesKeepTheHandleAndTheCapCountsInstances() throws Exception {
        PersistentInstance hank = resolve("hank", "a", "10.0.0.1", creds("{\"password\":\"pw\"}"));
        registry.rename(hank.handle(), "hank2");
        assertSame(hank, resolve("hank2", "a", "10.0.0.1", null));
        resolve("i1", "a", "10.0.0.1", null);
        resolve("i2", "a", "10.0.0.1", null);
        var refused = assertThrows(InstanceRegistry.Refused.class, () -> resolve("i3", "a", "10.0.0.1", null));
        assertEquals("platform instance limit reached (3); cannot start new chat instance", refused.getMessage());
    }

    @Test
    void anInstanceAnotherNodeHoldsIsFoundByItsScopeAndCountsNotTowardsTheCap() throws Exception {
        ObjectNode pw = creds("{\"password\":\"pw\"}");
        assertEquals(null, registry.existing("chat", "ann", "a", "10.0.0.1", pw, connected::contains));
        PersistentInstance remote = registry.create("chat", "ann", InstanceRegistry.scopeOf(pw), "a", "10.0.0.1", "nodeA/i4", "nodeA", "i4");
        assertEquals("nodeA", remote.holder());
        assertEquals("i4", remote.remoteHandle());
        assertSame(remote, registry.get("nodeA/i4"));
        assertSame(remote, registry.existing("chat", "ann", "b", "10.0.0.2", pw, connected::contains), "same credentials attach");
        assertEquals(Set.of("a", "b"), remote.sessions());
        assertTrue(registry.of("chat").isEmpty(), "this node holds none of the platform's connections");
        for (String actor : new String[] {"x", "y", "z"}) { // the cap (3) counts the instances this node holds
            resolve(actor, "c", "10.0.0.3", creds("{\"password\":\"" + actor + "\"}"));
        }
        assertThrows(InstanceRegistry.Refused.class, () -> resolve("w", "c", "10.0.0.3", creds("{\"password\":\"w\"}")));
    }

    @Test
    void theJanitorKeepsAnInstanceOtherNodesUseAndLeavesARemoteOnesStateToItsHolder() throws Exception {
        ObjectNode pw = creds("{\"password\":\"pw\"}");
        PersistentInstance held = resolve("bea", "a", "10.0.0.1", pw);
        held.bound();
        held.attachedNodes().add("nodeB");
        PersistentInstance remote = registry.create("chat", "cid", InstanceRegistry.scopeOf(pw), "b", "10.0.0.2", "nodeA/i9", "nodeA", "i9");
        connected.remove("a");
        for (int pass = 0; pass < 3; pass++) {
            assertTrue(registry.sweep(connected::contains).isEmpty(), "pass " + pass);
        }
        assertTrue(remote.sessions().contains("b"), "not initialized here, but its holder judges that");
        held.attachedNodes().clear();
        connected.remove("b");
        registry.sweep(connected::contains);
        assertEquals(Set.of(held, remote), Set.copyOf(registry.sweep(connected::contains)), "no session anywhere: both go");
    }
}
