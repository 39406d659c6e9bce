package org.sockethub.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.sockethub.api.PlatformDescriptor;

/**
 * The small transformations every activity goes through on its way in and out: reference
 * normalisation, the canonical {@code @context}, and removal of internal fields.
 */
public final class Activities {

    /** The ActivityStreams 2.0 context URL. */
    public static final String AS2 = "https://www.w3.org/ns/activitystreams";
    /** The Sockethub base context URL. */
    public static final String SOCKETHUB = "https://sockethub.org/ns/context/v1.jsonld";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Activities() {
    }

    /**
     * @param platformId a platform id
     * @return {@code [AS2, Sockethub, <platform context URL>]}
     */
    public static ArrayNode canonicalContext(String platformId) {
        return NODES.arrayNode().add(AS2).add(SOCKETHUB).add(PlatformDescriptor.contextUrlOf(platformId));
    }

    /**
     * Expands string references, as the reference server does: {@code actor: "x"} and
     * {@code target: "x"} become {@code {"id": "x"}} (or the full object the session declared with
     * {@code activity-object}), {@code object: "x"} becomes {@code {"content": "x"}}; arrays of
     * strings in those places become arrays of such objects. Nothing else changes; the input is
     * not modified.
     *
     * @param activity the activity as received
     * @param declared objects this session declared by id ({@code activity-object}), may be empty
     * @return a shallow copy with references expanded
     */
    public static ObjectNode normalize(ObjectNode activity, Map<String, ObjectNode> declared) {
        ObjectNode copy = activity.deepCopy();
        expand(copy, "actor", "id", declared);
        expand(copy, "target", "id", declared);
        expand(copy, "object", "content", Map.of());
        return copy;
    }

    private static void expand(ObjectNode activity, String field, String key, Map<String, ObjectNode> declared) {
        JsonNode value = activity.get(field);
        if (value == null) {
            return;
        }
        if (value.isTextual()) {
            activity.set(field, reference(value.asText(), key, declared));
        } else if (value.isArray()) {
            ArrayNode expanded = NODES.arrayNode();
            for (JsonNode item : value) {
                expanded.add(item.isTextual() ? reference(item.asText(), key, declared) : item);
            }
            activity.set(field, expanded);
        }
    }

    private static ObjectNode reference(String text, String key, Map<String, ObjectNode> declared) {
        ObjectNode known = declared.get(text);
        if (known != null) {
            return known.deepCopy();
        }
        ObjectNode node = NODES.objectNode();
        node.put(key, text);
        return node;
    }

    /**
     * What a client receives for an activity of a platform: internal fields removed, the
     * canonical {@code @context} stamped.
     *
     * @param activity   the activity (modified in place)
     * @param platformId its platform
     * @return {@code activity}
     */
    public static ObjectNode forClient(ObjectNode activity, String platformId) {
        stripInternals(activity);
        activity.set("@context", canonicalContext(platformId));
        return activity;
    }

    /**
     * Removes the fields a client must never see echoed: {@code sessionSecret} and the legacy
     * {@code context}.
     *
     * @param activity the activity (modified in place)
     * @return {@code activity}
     */
    public static ObjectNode stripInternals(ObjectNode activity) {
        activity.remove("sessionSecret");
        activity.remove("context");
        return activity;
    }

    /**
     * @param activity the request (copied)
     * @param error    the error text
     * @return a copy of the request with {@code error} set and {@code sessionSecret} removed
     */
    public static ObjectNode withError(JsonNode activity, String error) {
        ObjectNode answer = activity instanceof ObjectNode o ? o.deepCopy() : NODES.objectNode();
        answer.remove("sessionSecret");
        answer.put("error", error);
        return answer;
    }
}
