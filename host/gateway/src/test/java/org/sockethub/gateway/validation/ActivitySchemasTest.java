package org.sockethub.gateway.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mutually exclusive oneOfs read as anyOf admit exactly what the schema as written admits. */
class ActivitySchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode envelope() throws Exception {
        try (InputStream in = ActivitySchemas.class.getResourceAsStream("envelope.json")) {
            return JSON.readTree(in);
        }
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void theEnvelopesActorAndTargetTypesAreExclusive() throws Exception {
        JsonNode quick = ActivitySchemas.withExclusiveOneOfsAsAnyOf(envelope());
        assertNotNull(quick);
        for (String slot : List.of("actor", "target")) {
            assertTrue(quick.path("properties").path(slot).has("anyOf"), slot);
            assertTrue(!quick.path("properties").path(slot).has("oneOf"), slot);
        }
        assertTrue(envelope().path("properties").path("actor").has("oneOf"), "the original is left as it is");
    }

    @Test
    void onlyBranchesThatCannotBothMatchAreRewritten() throws Exception {
        // an object's type fixed by enum per branch, the property required: exclusive
        assertNotNull(ActivitySchemas.withExclusiveOneOfsAsAnyOf(json(
                "{'properties':{'object':{'oneOf':[{'type':'object','required':['type'],'properties':{'type':{'enum':['message']}}},"
                + "{'type':'object','required':['type'],'properties':{'type':{'enum':['topic','address']}}}]}}}")));
        // overlapping values
        assertNull(ActivitySchemas.withExclusiveOneOfsAsAnyOf(json(
                "{'oneOf':[{'type':'object','required':['type'],'properties':{'type':{'enum':['a','b']}}},"
                + "{'type':'object','required':['type'],'properties':{'type':{'const':'b'}}}]}")));
        // not required: an object without the property matches both
        assertNull(ActivitySchemas.withExclusiveOneOfsAsAnyOf(json(
                "{'oneOf':[{'type':'object','properties':{'type':{'const':'a'}}},"
                + "{'type':'object','properties':{'type':{'const':'b'}}}]}")));
        // not limited to objects: a string matches both
        assertNull(ActivitySchemas.withExclusiveOneOfsAsAnyOf(json(
                "{'oneOf':[{'required':['type'],'properties':{'type':{'const':'a'}}},"
                + "{'required':['type'],'properties':{'type':{'const':'b'}}}]}")));
        // numbers are left alone (1 and 1.0 are one value to JSON Schema)
        assertNull(ActivitySchemas.withExclusiveOneOfsAsAnyOf(json(
                "{'type':'object','oneOf':[{'required':['n'],'properties':{'n':{'const':1}}},"
                + "{'required':['n'],'properties':{'n':{'const':1.0}}}]}")));
        // limited to objects by the oneOf's own schema
        assertNotNull(ActivitySchemas.withExclusiveOneOfsAsAnyOf(json(
                "{'type':'object','oneOf':[{'required':['type'],'properties':{'type':{'const':'a'}}},"
                + "{'required':['type'],'properties':{'type':{'const':'b'}}}]}")));
    }

    @Test
    void theRewrittenEnvelopeAdmitsExactlyWhatTheEnvelopeAdmits() throws Exception {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(ActivitySchemas.dialect());
        JsonNode original = envelope();
        JsonNode quick = ActivitySchemas.withExclusiveOneOfsAsAnyOf(original);
        ((com.fasterxml.jackson.databind.node.ObjectNode) quick).put("$id", ActivitySchemas.ENVELOPE_ID + "-test");
        Schema asWritten = registry.getSchema(SchemaLocation.of(ActivitySchemas.ENVELOPE_ID), original);
        Schema rewritten = registry.getSchema(SchemaLocation.of(ActivitySchemas.ENVELOPE_ID + "-test"), quick);
        String ctx = "['https://www.w3.org/ns/activitystreams','https://sockethub.org/ns/context/v1.jsonld','x']";
        int valid = 0;
        for (String actor : List.of("{'id':'a','type':'person'}", "{'id':'a','type':'room'}", "{'id':'a'}", "{'type':'person'}",
                "'a'", "{'id':'a','type':'nobody'}", "{'id':5,'type':'person'}", "{'id':'a','type':'address'}",
                "{'id':'https://x.org/f','type':'feed'}", "{'id':'a','type':['person']}", "[]", "{}")) {
            for (String target : List.of("", ",'target':{'id':'r','type':'room'}", ",'target':{'type':'address'}",
                    ",'target':{'type':'address','extra':1}", ",'target':{'id':'a','type':'addressBook'}", ",'target':'x'")) {
                JsonNode activity = json("{'@context':" + ctx + ",'type':'echo','actor':" + actor + target + "}");
                boolean expected = asWritten.validate(activity).isEmpty();
                assertEquals(expected, rewritten.validate(activity).isEmpty(), activity.toString());
                valid += expected ? 1 : 0;
            }
        }
        assertTrue(valid > 5, "the samples hold valid activities too: " + valid);
    }
}
