package org.sockethub.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pipeline error of spec/protocol.md §2.1 and §2.7 and of observed-wire.md's error table
 * that concerns the envelope, platform resolution or a platform schema, with its exact text.
 */
class PipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AS2 = "\"https://www.w3.org/ns/activitystreams\"";
    private static final String SH = "\"https://sockethub.org/ns/context/v1.jsonld\"";

    private static String ctx(String platform) {
        return "[" + AS2 + "," + SH + ",\"https://sockethub.org/ns/context/platform/" + platform + "/v1.jsonld\"]";
    }

    private static final String DUMMY = ctx("dummy");
    private static final String PERSON = "{\"id\":\"probe-user\",\"type\":\"person\"}";

    private final Pipeline pipeline = new Pipeline(TestPlatforms.registry()::snapshot);

    static Stream<Arguments> rejected() {
        return Stream.of(
                // shape (normalise middleware)
                m("\"hello\"", "message received is not an object."),
                m("null", "message received is not an object."),
                m("[1,2]", "message received is not an object."),
                m("{\"type\":\"echo\",\"actor\":" + PERSON + "}", "activity stream must contain an @context array."),
                m("{\"type\":\"echo\",\"context\":\"dummy\",\"actor\":" + PERSON + "}", "activity stream must contain an @context array."),
                m("{\"@context\":\"x\",\"type\":\"echo\",\"actor\":" + PERSON + "}", "activity stream must contain an @context array."),
                m("{\"@context\":" + DUMMY + ",\"actor\":" + PERSON + "}", "activity stream must contain a type property."),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\"}", "activity stream must contain an actor property."),
                // platform resolution
                m("{\"@context\":" + ctx("nosuch") + ",\"type\":\"echo\",\"actor\":" + PERSON + "}",
                        "platform context URL not registered with this Sockethub instance. Unregistered platform @context value: https://sockethub.org/ns/context/platform/nosuch/v1.jsonld"),
                m("{\"@context\":" + ctx("irc") + ",\"type\":\"connect\",\"actor\":" + PERSON + "}",
                        "platform context URL not registered with this Sockethub instance. Unregistered platform @context value: https://sockethub.org/ns/context/platform/irc/v1.jsonld"),
                m("{\"@context\":[" + AS2 + "," + SH + "],\"type\":\"echo\",\"actor\":" + PERSON + "}",
                        "platform context URL not registered with this Sockethub instance. No platform @context values were provided."),
                m("{\"@context\":[" + AS2 + ",\"https://sockethub.org/ns/context/platform/dummy/v1.jsonld\",\"https://sockethub.org/ns/context/platform/feeds/v1.jsonld\"],\"type\":\"echo\",\"actor\":" + PERSON + "}",
                        "platform context URL not registered with this Sockethub instance. Multiple platform @context values were provided: https://sockethub.org/ns/context/platform/dummy/v1.jsonld, https://sockethub.org/ns/context/platform/feeds/v1.jsonld."),
                m("{\"@context\":" + ctx("error") + ",\"type\":\"echo\",\"actor\":" + PERSON + "}",
                        "platform error resolved from @context is not enabled in this Sockethub instance."),
                // envelope
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":{\"id\":\"a\"}}",
                        "[dummy] /actor: must match exactly one schema in oneOf: person, room, service, feed, website"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":\"a\"}",
                        "[dummy] /actor: must match exactly one schema in oneOf: person, room, service, feed, website"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"target\":\"x\"}",
                        "[dummy] /target: must match exactly one schema in oneOf: person, room, service, feed, website, address, calendar, addressBook"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"target\":{\"type\":\"person\"}}",
                        "[dummy] /target: must have required property 'id'"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"published\":\"yesterday\"}",
                        "[dummy] /published: must match format \"date-time\""),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"error\":\"x\"}",
                        "[dummy] activity stream: must NOT have additional properties: error"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"sessionSecret\":\"x\"}",
                        "[dummy] activity stream: must NOT have additional properties: sessionSecret"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"object\":5}",
                        "[dummy] /object: must be object"),
                m("{\"@context\":" + ctx("feeds") + ",\"type\":\"fetch\",\"actor\":{\"id\":\"not a url\",\"type\":\"feed\"}}",
                        "[feeds] /actor/id: must match format \"iri\""),
                // platform schemas
                m("{\"@context\":" + DUMMY + ",\"type\":\"bogus\",\"actor\":" + PERSON + "}",
                        "[dummy] /type: must be equal to one of the allowed values"),
                m("{\"@context\":" + DUMMY + ",\"type\":\"credentials\",\"actor\":" + PERSON + "}",
                        "[dummy] /type: must be equal to one of the allowed values"),
                m("{\"@context\":" + ctx("feeds") + ",\"type\":\"fetch\",\"actor\":{\"id\":\"https://example.com/feed.xml\",\"type\":\"feed\"},\"object\":{\"type\":\"feed\",\"id\":\"https://example.com/feed.xml\"}}",
                        "[feeds] /object: must NOT have additional properties: id"),
                m("{\"@context\":" + ctx("p") + ",\"type\":\"update\",\"actor\":" + PERSON + ",\"object\":{\"type\":\"presence\",\"presence\":\"bogus\"}}",
                        "[p] /object/presence: must be equal to one of the allowed values: away, chat, dnd, xa, offline, online"),
                m("{\"@context\":" + ctx("p") + ",\"type\":\"update\",\"actor\":" + PERSON + ",\"object\":{\"type\":\"presence\",\"presence\":\"away\",\"status\":\"x\"}}",
                        "[p] /object: must NOT have additional properties: status"),
                m("{\"@context\":" + ctx("p") + ",\"type\":\"fetch\",\"actor\":" + PERSON + ",\"object\":{\"type\":\"bookmark\",\"id\":\"example.org/path\"}}",
                        "[p] /object/id: must match format \"iri\""),
                // credentials path
                c("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + "}",
                        "credential activity streams must have credentials set as type"),
                c("{\"@context\":" + ctx("nosuch") + ",\"type\":\"credentials\",\"actor\":" + PERSON + "}",
                        "platform context URL not registered with this Sockethub instance. Unregistered platform @context value: https://sockethub.org/ns/context/platform/nosuch/v1.jsonld"),
                c("{\"@context\":" + ctx("test-platform") + ",\"type\":\"credentials\",\"actor\":" + PERSON + ",\"object\":{\"type\":\"credentials\",\"user\":\"u\"}}",
                        "[test-platform] /object: must have required property 'host'"),
                c("{\"@context\":" + ctx("test-platform") + ",\"type\":\"credentials\",\"actor\":" + PERSON + ",\"object\":{\"type\":\"credentials\",\"host\":\"h\",\"pass\":\"x\"}}",
                        "[test-platform] /object: must NOT have additional properties: pass"));
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + ",\"object\":{\"type\":\"weird\",\"content\":\"x\"}}", null),
                m("{\"@context\":" + DUMMY + ",\"type\":\"echo\",\"actor\":" + PERSON + "}", null),
                m("{\"@context\":" + DUMMY + ",\"type\":\"greet\",\"actor\":" + PERSON + ",\"target\":{\"id\":\"#room\",\"type\":\"room\"},\"published\":\"2024-01-02T10:00:00Z\"}", null),
                m("{\"@context\":" + ctx("feeds") + ",\"type\":\"fetch\",\"actor\":{\"id\":\"https://example.com/feed.xml\",\"type\":\"feed\"},\"object\":{\"limit\":1,\"since\":\"2024-01-01T00:00:00Z\"}}", null),
                c("{\"@context\":" + DUMMY + ",\"type\":\"credentials\",\"actor\":" + PERSON + "}", null),
                c("{\"@context\":" + DUMMY + ",\"type\":\"credentials\",\"actor\":{\"id\":\"test-1@dummy\",\"type\":\"person\"},\"object\":{\"id\":\"creds-1\",\"type\":\"credentials\",\"secret\":\"s\"}}", null));
    }

    private static Arguments m(String payload, String error) {
        return Arguments.of(Pipeline.Event.MESSAGE, payload, error);
    }

    private static Arguments c(String payload, String error) {
        return Arguments.of(Pipeline.Event.CREDENTIALS, payload, error);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("rejected")
    void rejectsWithTheReferenceText(Pipeline.Event event, String payload, String error) throws Exception {
        Pipeline.Verdict verdict = pipeline.check(event, JSON.readTree(payload), Map.of());
        Pipeline.Rejected rejected = assertInstanceOf(Pipeline.Rejected.class, verdict, payload);
        assertEquals(error, rejected.error());
        assertEquals(error, rejected.answer().get("error").asText());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("accepted")
    void accepts(Pipeline.Event event, String payload, String ignored) throws Exception {
        Pipeline.Verdict verdict = pipeline.check(event, JSON.readTree(payload), Map.of());
        assertInstanceOf(Pipeline.Accepted.class, verdict, () -> ((Pipeline.Rejected) verdict).error());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void errorAnswersKeepTheRequestButNeverTheSessionSecret(Pipeline.Event event, String payload, String error) throws Exception {
        JsonNode request = JSON.readTree(payload);
        Pipeline.Rejected rejected = (Pipeline.Rejected) pipeline.check(event, request, Map.of());
        JsonNode answer = rejected.answer();
        assertEquals(false, answer.has("sessionSecret"));
        if (request.isObject() && request.has("context")) {
            assertEquals(request.get("context"), answer.get("context"));
        }
    }
}
