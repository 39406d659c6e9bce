package org.sockethub.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.format.Format;
import com.networknt.schema.keyword.AnnotationKeyword;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The compiled JSON Schemas of one registry snapshot: the ActivityStreams envelope and, per
 * platform, its messages, credentials and responses schemas. Validation answers with the exact
 * one-line text the reference server gives ({@link AjvErrorText}), without the platform prefix.
 *
 * <p>Immutable and thread-safe; a new instance is built whenever the set of platforms changes.
 */
public final class ActivitySchemas {

    /** The envelope's schema id. */
    public static final String ENVELOPE_ID = "https://sockethub.org/schemas/v0/activity-stream.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode ENVELOPE = readEnvelope();
    private static final Set<String> ENTITY_TYPES = Set.of("person", "room", "service", "platform", "feed", "website",
            "calendar", "addressBook", "address", "heartbeat");

    /** Which of a platform's schemas to apply. */
    public enum Kind {
        /** {@code messages}: what clients may send on the {@code message} event. */
        MESSAGES,
        /** {@code credentials}: what clients may send on the {@code credentials} event. */
        CREDENTIALS,
        /** {@code responses}: what a platform may push to clients. */
        RESPONSES
    }

    /**
     * @param schema the schema as written: its errors are the ones reported
     * @param root   its JSON
     * @param quick  the same schema with its mutually exclusive {@code oneOf}s read as {@code
     *               anyOf} ({@link #withExclusiveOneOfsAsAnyOf}): it admits exactly what {@code
     *               schema} admits, and stops at the first branch that matches instead of
     *               building the errors of every other; {@code null} when there is none
     */
    private record Compiled(Schema schema, JsonNode root, Schema quick) {
    }

    private final Compiled envelope;
    private final Map<String, Compiled> platformSchemas = new HashMap<>();

    /**
     * @param schemas per platform id, per kind, the schema (absent kinds are not validated)
     */
    public ActivitySchemas(Map<String, Map<Kind, ObjectNode>> schemas) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(dialect());
        this.envelope = compile(registry, ENVELOPE_ID, ENVELOPE);
        schemas.forEach((platform, kinds) -> kinds.forEach((kind, node) -> platformSchemas.put(platform + "/" + kind,
                compile(registry, "https://sockethub.org/schemas/v0/context/" + platform + "/" + kind.name().toLowerCase(), node))));
    }

    private static Compiled compile(SchemaRegistry registry, String id, JsonNode root) {
        Schema asWritten = registry.getSchema(SchemaLocation.of(id), root);
        JsonNode quick = withExclusiveOneOfsAsAnyOf(root);
        if (quick == null) {
            return new Compiled(asWritten, root, null);
        }
        String quickId = id + "-quick";
        if (quick.has("$id")) {
            ((ObjectNode) quick).put("$id", quickId);
        }
        return new Compiled(asWritten, root, registry.getSchema(SchemaLocation.of(quickId), quick));
    }

    /**
     * A copy of a schema in which every {@code oneOf} whose branches cannot match the same value
     * is an {@code anyOf}: for such branches "exactly one matches" and "at least one matches" are
     * the same statement, and a validator may stop at the first branch that matches. Branches
     * are mutually exclusive here when each (or a local {@code $ref} to it) admits objects only
     * (its own {@code "type": "object"}, or the {@code oneOf}'s schema's), requires one same
     * property, and fixes it with {@code const} or {@code enum} to strings no other branch
     * allows: the envelope's actor and target types, a platform's object types.
     *
     * @param root a schema
     * @return the copy, or {@code null} if no {@code oneOf} qualifies
     */
    static JsonNode withExclusiveOneOfsAsAnyOf(JsonNode root) {
        JsonNode copy = root.deepCopy();
        return rewriteExclusive(copy, copy) ? copy : null;
    }

    private static boolean rewriteExclusive(JsonNode node, JsonNode root) {
        boolean changed = false;
        if (node instanceof ObjectNode object) {
            JsonNode oneOf = object.get("oneOf");
            if (oneOf != null && oneOf.isArray() && !object.has("anyOf") && exclusive(oneOf, object, root)) {
                object.set("anyOf", object.remove("oneOf"));
                changed = true;
            }
            for (JsonNode child : object) {
                changed |= rewriteExclusive(child, root);
            }
        } else if (node != null && node.isArray()) {
            for (JsonNode child : node) {
                changed |= rewriteExclusive(child, root);
            }
        }
        return changed;
    }

    private static boolean exclusive(JsonNode branches, JsonNode parent, JsonNode root) {
        if (branches.size() < 2) {
            return false;
        }
        boolean objectsOnly = "object".equals(parent.path("type").asText(null));
        List<JsonNode> resolved = new ArrayList<>();
        for (JsonNode branch : branches) {
            JsonNode b = branch;
            if (b.isObject() && b.size() == 1 && b.path("$ref").asText("").startsWith("#/")) {
                b = root.at(b.get("$ref").asText().substring(1));
            }
            if (!b.isObject() || !(objectsOnly || "object".equals(b.path("type").asText(null)))) {
                return false;
            }
            resolved.add(b);
        }
        for (JsonNode candidate : resolved.get(0).path("required")) {
            String property = candidate.asText();
            Set<String> taken = new java.util.HashSet<>();
            boolean disjoint = true;
            for (JsonNode b : resolved) {
                Set<String> values = fixedStrings(b, property);
                if (values == null || values.stream().anyMatch(taken::contains)) {
                    disjoint = false;
                    break;
                }
                taken.addAll(values);
            }
            if (disjoint) {
                return true;
            }
        }
        return false;
    }

    /** @return the strings a branch that requires {@code property} allows it, or {@code null} if not fixed to strings */
    private static Set<String> fixedStrings(JsonNode branch, String property) {
        boolean required = false;
        for (JsonNode r : branch.path("required")) {
            required |= r.asText().equals(property);
        }
        JsonNode spec = branch.path("properties").path(property);
        if (!required || !spec.isObject()) {
            return null;
        }
        Set<String> values = new java.util.HashSet<>();
        if (spec.has("const")) {
            if (!spec.get("const").isTextual()) {
                return null;
            }
            values.add(spec.get("const").asText());
        }
        if (spec.has("enum")) {
            Set<String> listed = new java.util.HashSet<>();
            for (JsonNode v : spec.get("enum")) {
                if (!v.isTextual()) {
                    return null;
                }
                listed.add(v.asText());
            }
            if (spec.has("const")) {
                values.retainAll(listed);
            } else {
                values = listed;
            }
        } else if (!spec.has("const")) {
            return null;
        }
        return values;
    }

    static Dialect dialect() {
        // Unknown keywords are annotations, silently: "definitions/type/<name>" groups read as
        // keywords to networknt, and platform schemas may carry descriptive extras.
        return Dialect.builder(Dialects.getDraft7())
                .unknownKeywordFactory((name, context) -> new AnnotationKeyword(name))
                .formats(formats -> {
                    for (Format f : AjvFormats.all()) {
                        formats.put(f.getName(), f);
                    }
                }).build();
    }

    /**
     * @param activity a normalised activity
     * @return the error text, if the envelope does not admit it
     */
    public Optional<String> validateEnvelope(JsonNode activity) {
        return run(envelope, activity);
    }

    /**
     * @param platformId the platform
     * @param kind       which of its schemas
     * @param activity   the whole activity
     * @return the error text, if the schema does not admit it; empty when it does or when the
     *         platform has no schema of that kind
     */
    public Optional<String> validate(String platformId, Kind kind, JsonNode activity) {
        Compiled compiled = platformSchemas.get(platformId + "/" + kind);
        return compiled == null ? Optional.empty() : run(compiled, activity);
    }

    private static Optional<String> run(Compiled compiled, JsonNode activity) {
        if (compiled.quick() != null && compiled.quick().validate(activity).isEmpty()) {
            return Optional.empty();
        }
        List<Error> errors = compiled.schema().validate(activity);
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(AjvErrorText.describe(errors, compiled.root(), activity));
    }

    /**
     * Checks a platform schema before it is accepted: it must compile, must not put keywords
     * beside {@code $ref} (the reference evaluates them, draft-07 validators ignore them, so
     * clients would disagree), and may only name actor and target types of the shared
     * vocabulary.
     *
     * @param name   what to call the schema in the error
     * @param schema the schema
     * @return a description of the problem, if any
     */
    public static Optional<String> problemsOf(String name, ObjectNode schema) {
        List<String> problems = new ArrayList<>();
        findRefSiblings(schema, "#", problems);
        for (String slot : List.of("actor", "target")) {
            List<String> unknown = new ArrayList<>();
            collectDeclaredTypes(schema.path("properties").path(slot), unknown);
            unknown.removeIf(ENTITY_TYPES::contains);
            if (!unknown.isEmpty()) {
                problems.add("platform schema " + slot + " types are not registered in the shared ActivityStreams envelope: "
                        + String.join(", ", unknown));
            }
        }
        if (problems.isEmpty()) {
            try {
                SchemaRegistry.withDefaultDialect(dialect()).getSchema(SchemaLocation.of("urn:check"), schema)
                        .validate(JSON.createObjectNode());
            } catch (RuntimeException e) {
                problems.add("does not compile: " + e.getMessage());
            }
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(name + ": " + String.join("; ", problems));
    }

    private static void findRefSiblings(JsonNode node, String at, List<String> problems) {
        if (node.isObject()) {
            if (node.has("$ref") && node.size() > 1) {
                problems.add("keywords beside $ref at " + at);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                findRefSiblings(f.getValue(), at + "/" + f.getKey(), problems);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                findRefSiblings(node.get(i), at + "/" + i, problems);
            }
        }
    }

    private static void collectDeclaredTypes(JsonNode node, List<String> out) {
        if (!node.isObject()) {
            return;
        }
        JsonNode type = node.path("properties").path("type");
        if (type.has("const")) {
            out.add(type.get("const").asText());
        }
        type.path("enum").forEach(v -> out.add(v.asText()));
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            node.path(combinator).forEach(branch -> collectDeclaredTypes(branch, out));
        }
    }

    private static JsonNode readEnvelope() {
        try (InputStream in = ActivitySchemas.class.getResourceAsStream("envelope.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
