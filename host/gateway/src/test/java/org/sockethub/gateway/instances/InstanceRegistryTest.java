package org.sockethub.gateway.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void sharesOnlyWithTheSameSecretBearingCredentials() throws Exception {
        PersistentInstance first = resolve("alice", "a", "10.0.0.1", creds("{\"password\":\"pw\"}"));
        assertSame(first, resolve("alice", "b", "10.0.0.2", creds("{\"password\":\"pw\"}")));
        var refused = assertThrows(InstanceRegistry.Refused.class,
                () -> resolve("alice", "c", "10.0.0.3", creds("{\"password\":\"other\"}")));
        assertEquals("username already in use", refused.getMessage());
        assertEquals(Set.of("a", "b"), first.sessions());
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
        instance.bound("x");
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
}
