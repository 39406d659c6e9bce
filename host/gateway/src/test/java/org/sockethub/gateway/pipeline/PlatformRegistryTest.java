package org.sockethub.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;
import org.sockethub.platform.dummy.DummyPlatform;

class PlatformRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static class OnlyEcho implements PlatformInstance {
        @Verb
        public void echo(Job job) {
            job.complete();
        }

        @Verb("request-friend")
        public void requestFriend(Job job) {
            job.complete();
        }
    }

    private static PlatformDescriptor withVerbs(String schema) throws Exception {
        return PlatformDescriptor.builder("probe", OnlyEcho.class)
                .schemas((ObjectNode) JSON.readTree(schema), null, null).build();
    }

    @Test
    void refusesAPlatformWhoseSchemaVerbsAndMethodsDisagree() throws Exception {
        var problem = PlatformRegistry.problemsOf(withVerbs("{\"properties\":{\"type\":{\"enum\":[\"echo\",\"fetch\"]}}}"));
        assertEquals("platform probe refused: schema verbs without a @Verb method: fetch; "
                + "@Verb methods missing from the schema's type enum: request-friend", problem.orElseThrow());
    }

    @Test
    void acceptsVerbNamesThatAreNotJavaIdentifiers() throws Exception {
        assertTrue(PlatformRegistry.problemsOf(withVerbs(
                "{\"properties\":{\"type\":{\"enum\":[\"echo\",\"request-friend\"]}}}")).isEmpty());
    }

    @Test
    void refusesSchemasTheReferenceWouldReadDifferently() throws Exception {
        var problem = PlatformRegistry.problemsOf(withVerbs("{\"properties\":{\"type\":{\"enum\":[\"echo\",\"request-friend\"]},"
                + "\"actor\":{\"properties\":{\"type\":{\"enum\":[\"robot\"]}}},"
                + "\"object\":{\"$ref\":\"#/definitions/x\",\"required\":[\"a\"]}},\"definitions\":{\"x\":{}}}"));
        String text = problem.orElseThrow();
        assertTrue(text.contains("keywords beside $ref at #/properties/object"), text);
        assertTrue(text.contains("platform schema actor types are not registered in the shared ActivityStreams envelope: robot"), text);
    }

    @Test
    void publishesTheRegistryWithAStableFingerprint() {
        PlatformRegistry a = new PlatformRegistry("1.0.0");
        PlatformRegistry b = new PlatformRegistry("1.0.0");
        PlatformDescriptor dummy = new DummyPlatform().descriptor();
        a.put(new PlatformRegistry.Entry(dummy, "x"));
        b.put(new PlatformRegistry.Entry(dummy, "y"));
        assertEquals(a.snapshot().fingerprint(), b.snapshot().fingerprint());
        assertEquals(a.snapshot().fingerprint(), a.snapshot().registry().get("fingerprint").asText());
        assertEquals("[\"credentials\",\"echo\",\"fail\",\"throw\",\"greet\",\"exit0\",\"exit1\",\"throwTypeError\","
                + "\"throwReferenceError\",\"sigterm\",\"sigkill\",\"hang\"]",
                a.snapshot().registry().get("platforms").get(0).get("types").toString());
        String before = a.snapshot().fingerprint();
        a.remove("dummy");
        assertNotEquals(before, a.snapshot().fingerprint());
    }

    @Test
    void serialisesTheRegistryOncePerSnapshotAsClientsGetIt() throws Exception {
        PlatformRegistry registry = new PlatformRegistry("1.0.0");
        registry.put(new PlatformRegistry.Entry(new DummyPlatform().descriptor(), "x"));
        PlatformRegistry.Snapshot snapshot = registry.snapshot();
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.writeValueAsString(snapshot.registry()), json.writeValueAsString(snapshot.serialized()));
        assertEquals(snapshot.registry(), json.readTree(json.writeValueAsString(snapshot.serialized())));
    }
}
