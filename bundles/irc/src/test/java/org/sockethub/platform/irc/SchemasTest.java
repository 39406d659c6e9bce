package org.sockethub.platform.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.gateway.validation.ActivitySchemas;
import org.sockethub.gateway.validation.ActivitySchemas.Kind;

/** The descriptor and schemas (spec §3.1, §3.2, §3.8, §3.11), checked by the gateway's own validator. */
class SchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PlatformDescriptor D = new IrcPlatform().descriptor();
    private static final ActivitySchemas SCHEMAS = new ActivitySchemas(Map.of("irc", Map.of(
            Kind.MESSAGES, D.messagesSchema(),
            Kind.CREDENTIALS, D.credentialsSchema().orElseThrow(),
            Kind.RESPONSES, D.responsesSchema().orElseThrow())));

    @Test
    void descriptor() {
        assertEquals("irc", D.id());
        assertTrue(D.persist());
        assertEquals(List.of("connect", "update"), D.requireCredentials());
        assertEquals(30000, D.config().path("connectTimeoutMs").asInt());
        assertEquals(List.of("connect", "update", "join", "leave", "send", "query", "announce", "disconnect"),
                JSON.convertValue(D.messagesSchema().path("properties").path("type").path("enum"), List.class));
        for (Optional<ObjectNode> schema : List.of(Optional.of(D.messagesSchema()), D.credentialsSchema(), D.responsesSchema())) {
            assertEquals(Optional.empty(), ActivitySchemas.problemsOf("irc", schema.orElseThrow()));
        }
    }

    static Stream<Arguments> credentials() {
        return Stream.of(
                Arguments.of("\"nick\":\"sh-9K3Vk\",\"port\":6667,\"secure\":false,\"server\":\"irc.freenode.net\"", null),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"token\":\"t\",\"saslMechanism\":\"OAUTHBEARER\"", null),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"password\":\"p\",\"saslMechanism\":\"PLAIN\"", null),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"token\":\"t\"", null),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"token\":\"t\",\"saslMechanism\":\"PLAIN\"", null),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"allowInvalidCert\":true", null),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"password\":\"p\",\"sasl\":false", null),
                Arguments.of("\"user\":\"n\",\"host\":\"s\"", "must NOT have additional properties"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"allowInvalidCert\":\"yes\"", "must be boolean"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"password\":\"p\",\"saslMechanism\":\"SCRAM-SHA-256\"", "must be equal to one of the allowed values"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"password\":\"p\",\"token\":\"t\"", "must NOT be valid"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"password\":\"p\",\"saslMechanism\":\"OAUTHBEARER\"", "must match"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"saslMechanism\":\"PLAIN\"", "must"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"token\":\"\"", "must NOT have fewer than 1 characters"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"password\":\"\"", "must NOT have fewer than 1 characters"),
                Arguments.of("\"nick\":\"n\",\"server\":\"s\",\"port\":\"6667\"", "must be number"));
    }

    @ParameterizedTest
    @MethodSource("credentials")
    void credentialCases(String object, String expectedError) throws Exception {
        ObjectNode creds = (ObjectNode) JSON.readTree("{\"type\":\"credentials\",\"actor\":{\"id\":\"a@s\",\"type\":\"person\"},"
                + "\"object\":{\"type\":\"credentials\"," + object + "}}");
        Optional<String> error = SCHEMAS.validate("irc", Kind.CREDENTIALS, creds);
        if (expectedError == null) {
            assertEquals(Optional.empty(), error);
        } else {
            assertTrue(error.isPresent() && error.get().contains(expectedError), error.toString());
        }
    }

    @Test
    void messages() throws Exception {
        String ok = "{\"type\":\"send\",\"actor\":{\"id\":\"a\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"content\":\"hi\"}}";
        assertEquals(Optional.empty(), SCHEMAS.validate("irc", Kind.MESSAGES, JSON.readTree(ok)));
        for (String object : List.of("{\"type\":\"topic\",\"content\":\"t\"}", "{\"type\":\"address\"}", "{\"type\":\"attendance\"}")) {
            assertEquals(Optional.empty(), SCHEMAS.validate("irc", Kind.MESSAGES,
                    JSON.readTree("{\"type\":\"update\",\"actor\":{\"id\":\"a\",\"type\":\"person\"},\"object\":" + object + "}")));
        }
        assertTrue(SCHEMAS.validate("irc", Kind.MESSAGES, JSON.readTree(
                "{\"type\":\"send\",\"actor\":{\"id\":\"a\",\"type\":\"person\"},\"object\":{\"type\":\"message\",\"extra\":1}}")).isPresent());
        assertTrue(SCHEMAS.validate("irc", Kind.MESSAGES, JSON.readTree(
                "{\"type\":\"observe\",\"actor\":{\"id\":\"a\",\"type\":\"person\"}}")).isPresent());
    }

    /** Everything the translator emits (minus errors, which are exempt) passes the responses schema. */
    @Test
    void everyTranslatedActivityIsAValidResponse() throws Exception {
        int checked = 0;
        Irc2AsTest.start();
        for (Arguments row : Irc2AsTest.vectors().toList()) {
            for (Irc2As.Out out : Irc2AsTest.run((String[]) row.get()[1])) {
                if (out.kind() == Irc2As.Kind.INCOMING) {
                    assertEquals(Optional.empty(), SCHEMAS.validate("irc", Kind.RESPONSES, out.activity()), out.activity().toString());
                    checked++;
                }
            }
        }
        Irc2AsTest.stop();
        assertTrue(checked > 40, checked + " activities");
        ObjectNode state = (ObjectNode) JSON.readTree("""
                {"type":"update","actor":{"type":"service","id":"s","name":"s"},"target":{"type":"person","id":"n@s","name":"n"},
                 "object":{"type":"connection","status":"disconnected","content":"connection to s lost, reconnecting in 1 s"},
                 "published":"2024-05-01T10:00:00.000Z"}""");
        assertEquals(Optional.empty(), SCHEMAS.validate("irc", Kind.RESPONSES, state));
    }
}
