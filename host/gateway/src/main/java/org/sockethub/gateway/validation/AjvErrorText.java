package org.sockethub.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns networknt's validation errors into the one-line text a Sockethub client expects: the
 * exact string the reference server (AJV 8 with {@code allErrors}, then its error parser)
 * produces for the same schema and data.
 *
 * <p>Three steps, each mirroring the reference:
 * <ol>
 *   <li>each error gets AJV's message text for its keyword;</li>
 *   <li>errors are put in AJV's order (keyword order inside a schema, children before the
 *       composite that failed, {@code properties} in schema order, {@code required} in array
 *       order, additional properties in data order) by a sort key read off the error's
 *       evaluation path; AJV's {@code anyOf} and {@code if/then} errors, which networknt leaves
 *       out, are added;</li>
 *   <li>one error is chosen: the deepest error reported by a schema written for the entity type
 *       the activity actually carries in that slot ({@code actor}, {@code target}, {@code object});
 *       failing that, the last error, where a {@code oneOf} failure lists the allowed types.</li>
 * </ol>
 */
final class AjvErrorText {

    /** The entity types a client may name per slot, as listed in a {@code oneOf} failure. */
    private static final List<String> ACTOR_TYPES = List.of("person", "room", "service", "feed", "website", "platform");
    private static final List<String> TARGET_TYPES = List.of("person", "room", "service", "feed", "website", "platform",
            "address", "calendar", "addressBook");
    private static final List<String> OBJECT_TYPES = List.of("feed", "person", "room", "service", "website", "platform",
            "address", "calendar", "addressBook");
    /** Internal types left out of what a client is told. */
    private static final Set<String> EXCLUDED_TYPES = Set.of("platform", "heartbeat");

    private static final Pattern SCHEMA_TYPE = Pattern.compile("#/\\w+/\\w+/([\\w-]+)/");
    private static final Pattern FIRST_SEGMENT = Pattern.compile("/(\\w+)");
    private static final long LAST = Long.MAX_VALUE;

    /** AJV 8 (draft-07) keyword order inside one schema object: untyped keywords, then per data type. */
    private static final Map<String, Integer> RANK = Map.ofEntries(
            Map.entry("$ref", 0), Map.entry("const", 1), Map.entry("enum", 2), Map.entry("not", 3),
            Map.entry("anyOf", 4), Map.entry("oneOf", 5), Map.entry("allOf", 6), Map.entry("if", 7),
            Map.entry("then", 7), Map.entry("else", 7), Map.entry("false", 8),
            Map.entry("maximum", 10), Map.entry("minimum", 11), Map.entry("exclusiveMaximum", 12),
            Map.entry("exclusiveMinimum", 13), Map.entry("multipleOf", 14),
            Map.entry("maxLength", 20), Map.entry("minLength", 21), Map.entry("pattern", 22), Map.entry("format", 23),
            Map.entry("maxItems", 30), Map.entry("minItems", 31), Map.entry("uniqueItems", 32),
            Map.entry("additionalItems", 33), Map.entry("items", 34), Map.entry("contains", 35),
            Map.entry("maxProperties", 40), Map.entry("minProperties", 41), Map.entry("required", 42),
            Map.entry("propertyNames", 43), Map.entry("additionalProperties", 44), Map.entry("dependencies", 45),
            Map.entry("properties", 46), Map.entry("patternProperties", 47));
    /** Where a data-type group starts: a type error reported inside its group sorts there. */
    private static final Map<String, Integer> GROUP_START = Map.of("number", 9, "string", 19, "array", 29, "object", 39);

    private AjvErrorText() {
    }

    /** One error in AJV's terms. */
    record Issue(String keyword, String pointer, String schemaPath, String message, String detail, List<Long> key) {
    }

    /**
     * @param errors networknt's errors for one validation
     * @param schema the root of the schema document that was validated
     * @param data   the validated activity
     * @return the reference's text, without the {@code [platform] } prefix
     */
    static String describe(List<Error> errors, JsonNode schema, JsonNode data) {
        List<Issue> issues = order(errors, schema, data);
        if (issues.isEmpty()) {
            return "activity stream: validation failed";
        }
        return select(issues, data);
    }

    static List<Issue> order(List<Error> errors, JsonNode schema, JsonNode data) {
        List<Issue> issues = new ArrayList<>();
        Set<String> synthesized = new HashSet<>();
        for (Error e : errors) {
            if ("allOf".equals(e.getKeyword())) {
                continue; // AJV reports the failing branch only
            }
            Walk walk = new Walk(schema, data, e);
            issues.add(new Issue(e.getKeyword(), pointer(e.getInstanceLocation(), -1),
                    "#" + e.getSchemaLocation().getFragment(), message(e), detail(e, data), walk.key));
            for (Issue extra : walk.synthesized) {
                if (synthesized.add(extra.key().toString())) {
                    issues.add(extra);
                }
            }
        }
        issues.sort(Comparator.comparing(Issue::key, AjvErrorText::compareKeys));
        return issues;
    }

    private static String select(List<Issue> issues, JsonNode data) {
        Map<String, Set<String>> types = slotTypes(data);
        Issue best = null;
        int bestDepth = -1;
        for (Issue issue : issues) {
            Matcher st = SCHEMA_TYPE.matcher(issue.schemaPath());
            Matcher slot = FIRST_SEGMENT.matcher(issue.pointer());
            if (!st.find() || !slot.find()) {
                continue;
            }
            Set<String> slotTypes = types.get(slot.group(1));
            if (slotTypes == null || !slotTypes.contains(st.group(1))) {
                continue;
            }
            int depth = issue.pointer().split("/", -1).length;
            if (depth > bestDepth) {
                best = issue;
                bestDepth = depth;
            }
        }
        if (best != null) {
            String text = where(best) + ": " + best.message();
            if (best.detail() != null && ("additionalProperties".equals(best.keyword()) || "enum".equals(best.keyword()))) {
                text += ": " + best.detail();
            }
            return text;
        }
        Issue last = issues.get(issues.size() - 1);
        if ("oneOf".equals(last.keyword())) {
            Matcher slot = FIRST_SEGMENT.matcher(last.pointer());
            String name = slot.find() ? slot.group(1) : "";
            List<String> allowed = "actor".equals(name) ? ACTOR_TYPES : "target".equals(name) ? TARGET_TYPES : OBJECT_TYPES;
            return last.pointer() + ": " + last.message() + ": "
                    + allowed.stream().filter(t -> !EXCLUDED_TYPES.contains(t)).collect(Collectors.joining(", "));
        }
        String text = where(last) + ": " + last.message();
        if ("additionalProperties".equals(last.keyword()) && last.detail() != null) {
            text += ": " + last.detail();
        }
        return text;
    }

    private static String where(Issue issue) {
        return issue.pointer().isEmpty() ? "activity stream" : issue.pointer();
    }

    /** Per slot, the {@code type} values the activity carries there (nested objects included, nested arrays not). */
    private static Map<String, Set<String>> slotTypes(JsonNode data) {
        Map<String, Set<String>> types = new java.util.HashMap<>();
        for (String slot : List.of("actor", "target", "object")) {
            Set<String> found = new LinkedHashSet<>();
            JsonNode value = data.path(slot);
            if (value.isArray()) {
                value.forEach(v -> collectTypes(v, found));
            } else {
                collectTypes(value, found);
            }
            types.put(slot, found);
        }
        return types;
    }

    private static void collectTypes(JsonNode node, Set<String> found) {
        if (!node.isObject()) {
            return;
        }
        JsonNode type = node.get("type");
        if (JsValues.truthy(type)) {
            found.add(type.isTextual() ? type.asText() : type.toString());
        }
        node.fields().forEachRemaining(f -> {
            if (f.getValue().isObject()) {
                collectTypes(f.getValue(), found);
            }
        });
    }

    private static String message(Error e) {
        JsonNode s = e.getSchemaNode();
        return switch (e.getKeyword()) {
            case "required" -> "must have required property '" + e.getProperty() + "'";
            case "additionalProperties" -> "must NOT have additional properties";
            case "enum" -> "must be equal to one of the allowed values";
            case "const" -> "must be equal to constant";
            case "oneOf" -> "must match exactly one schema in oneOf";
            case "anyOf" -> "must match a schema in anyOf";
            case "type" -> "must be " + (s != null && s.isArray()
                    ? java.util.stream.StreamSupport.stream(s.spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(","))
                    : s == null ? "" : s.asText());
            case "format" -> "must match format \"" + (s == null ? "" : s.asText()) + "\"";
            case "minimum" -> "must be >= " + js(s);
            case "maximum" -> "must be <= " + js(s);
            case "exclusiveMinimum" -> "must be > " + js(s);
            case "exclusiveMaximum" -> "must be < " + js(s);
            case "multipleOf" -> "must be multiple of " + js(s);
            case "minLength" -> "must NOT have fewer than " + js(s) + " characters";
            case "maxLength" -> "must NOT have more than " + js(s) + " characters";
            case "minItems" -> "must NOT have fewer than " + js(s) + " items";
            case "maxItems" -> "must NOT have more than " + js(s) + " items";
            case "minProperties" -> "must NOT have fewer than " + js(s) + " properties";
            case "maxProperties" -> "must NOT have more than " + js(s) + " properties";
            case "pattern" -> "must match pattern \"" + (s == null ? "" : s.asText()) + "\"";
            case "not" -> "must NOT be valid";
            case "false" -> "boolean schema is false";
            case "contains" -> "must contain at least 1 valid item(s)";
            case "uniqueItems" -> "must NOT have duplicate items";
            case "propertyNames" -> "property name must be valid";
            default -> e.getMessage();
        };
    }

    private static String detail(Error e, JsonNode data) {
        if ("additionalProperties".equals(e.getKeyword())) {
            return e.getProperty();
        }
        if ("enum".equals(e.getKeyword()) && e.getSchemaNode() != null && e.getSchemaNode().isArray()) {
            List<String> values = new ArrayList<>();
            e.getSchemaNode().forEach(v -> values.add(v.isNull() ? "" : v.isTextual() ? v.asText() : js(v)));
            return String.join(", ", values);
        }
        return null;
    }

    /** A number as JavaScript prints it. */
    private static String js(JsonNode n) {
        if (n == null) {
            return "";
        }
        if (n.isNumber() && !n.isIntegralNumber()) {
            double d = n.asDouble();
            if (d == Math.rint(d) && !Double.isInfinite(d)) {
                return Long.toString((long) d);
            }
            return Double.toString(d);
        }
        return n.isTextual() ? n.asText() : n.toString();
    }

    /** JSON pointer of the first {@code depth} elements ({@code -1}: all). */
    private static String pointer(NodePath path, int depth) {
        int n = depth < 0 ? path.getNameCount() : Math.min(depth, path.getNameCount());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append('/').append(String.valueOf(path.getElement(i)).replace("~", "~0").replace("/", "~1"));
        }
        return sb.toString();
    }

    private static int compareKeys(List<Long> a, List<Long> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Long.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Walks one error's evaluation path over the schema, building its sort key. */
    private static final class Walk {
        final List<Long> key = new ArrayList<>();
        final List<Issue> synthesized = new ArrayList<>();

        Walk(JsonNode root, JsonNode data, Error e) {
            NodePath ev = e.getEvaluationPath();
            NodePath inst = e.getInstanceLocation();
            JsonNode node = root;
            String schemaPath = "#";
            int dataDepth = 0;
            int n = ev.getNameCount();
            for (int i = 0; i < n; i++) {
                String tok = String.valueOf(ev.getElement(i));
                if (i == n - 1) {
                    key.add((long) keywordRank(tok, node));
                    key.add(LAST);
                    key.add(tieBreak(e, tok, node, dataAt(data, inst, inst.getNameCount())));
                    break;
                }
                switch (tok) {
                    case "$ref" -> {
                        key.add(rank(tok));
                        String ref = node.path("$ref").asText();
                        schemaPath = ref.startsWith("#") ? ref : schemaPath + "/$ref";
                        node = ref.startsWith("#") ? root.at(ref.substring(1)) : node;
                    }
                    case "properties" -> {
                        String name = String.valueOf(ev.getElement(++i));
                        key.add(rank(tok));
                        key.add(fieldIndex(node.path("properties"), name));
                        node = node.path("properties").path(name);
                        schemaPath += "/properties/" + name;
                        dataDepth++;
                    }
                    case "patternProperties" -> {
                        String pattern = String.valueOf(ev.getElement(++i));
                        key.add(rank(tok));
                        key.add(fieldIndex(node.path(tok), pattern));
                        key.add(fieldIndex(dataAt(data, inst, dataDepth), String.valueOf(element(inst, dataDepth))));
                        node = node.path(tok).path(pattern);
                        schemaPath += "/" + tok + "/" + pattern;
                        dataDepth++;
                    }
                    case "additionalProperties" -> {
                        key.add(rank(tok));
                        key.add(fieldIndex(dataAt(data, inst, dataDepth), String.valueOf(element(inst, dataDepth))));
                        node = node.path(tok);
                        schemaPath += "/" + tok;
                        dataDepth++;
                    }
                    case "items", "additionalItems" -> {
                        key.add(rank(tok));
                        Object next = ev.getElement(i + 1);
                        if (next instanceof Integer idx && node.path(tok).isArray()) {
                            i++;
                            key.add((long) idx);
                            node = node.path(tok).path(idx);
                            schemaPath += "/" + tok + "/" + idx;
                        } else {
                            Object at = element(inst, dataDepth);
                            key.add(at instanceof Integer idx ? (long) idx : 0L);
                            node = node.path(tok);
                            schemaPath += "/" + tok;
                        }
                        dataDepth++;
                    }
                    case "oneOf", "anyOf", "allOf" -> {
                        int branch = (Integer) ev.getElement(++i);
                        if (tok.equals("anyOf")) {
                            synthesize(tok, "must match a schema in anyOf", schemaPath + "/anyOf", inst, dataDepth);
                        }
                        key.add(rank(tok));
                        key.add((long) branch);
                        node = node.path(tok).path(branch);
                        schemaPath += "/" + tok + "/" + branch;
                    }
                    case "then", "else" -> {
                        synthesize("if", "must match \"" + tok + "\" schema", schemaPath + "/if", inst, dataDepth);
                        key.add(rank("if"));
                        key.add(tok.equals("then") ? 0L : 1L);
                        node = node.path(tok);
                        schemaPath += "/" + tok;
                    }
                    case "dependencies" -> {
                        String name = String.valueOf(ev.getElement(++i));
                        key.add(rank(tok));
                        key.add(fieldIndex(node.path(tok), name));
                        node = node.path(tok).path(name);
                        schemaPath += "/" + tok + "/" + name;
                    }
                    default -> {
                        key.add(rank(tok));
                        node = node.path(tok);
                        schemaPath += "/" + tok;
                    }
                }
            }
        }

        private void synthesize(String keyword, String message, String schemaPath, NodePath inst, int dataDepth) {
            List<Long> k = new ArrayList<>(key);
            k.add(rank(keyword));
            k.add(LAST);
            synthesized.add(new Issue(keyword, pointer(inst, dataDepth), schemaPath, message, null, k));
        }

        private static long rank(String keyword) {
            return RANK.getOrDefault(keyword, 99);
        }

        /** A type error sorts first, unless its single type has keywords of its own group in this schema. */
        private static int keywordRank(String keyword, JsonNode node) {
            if (!keyword.equals("type")) {
                return RANK.getOrDefault(keyword, 99);
            }
            JsonNode type = node.path("type");
            if (type.isTextual() && GROUP_START.containsKey(type.asText())) {
                int start = GROUP_START.get(type.asText());
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    Integer r = RANK.get(it.next());
                    if (r != null && r > start && r < start + 10) {
                        return start;
                    }
                }
            }
            return -1;
        }

        private static long tieBreak(Error e, String keyword, JsonNode node, JsonNode data) {
            if (keyword.equals("required")) {
                JsonNode req = node.path("required");
                for (int i = 0; i < req.size(); i++) {
                    if (req.get(i).asText().equals(e.getProperty())) {
                        return i;
                    }
                }
            } else if (keyword.equals("additionalProperties")) {
                return fieldIndex(data, e.getProperty());
            }
            return 0;
        }

        private static Object element(NodePath path, int i) {
            return i < path.getNameCount() ? path.getElement(i) : null;
        }

        private static JsonNode dataAt(JsonNode data, NodePath inst, int depth) {
            JsonNode node = data;
            for (int i = 0; i < Math.min(depth, inst.getNameCount()); i++) {
                Object el = inst.getElement(i);
                node = el instanceof Integer idx ? node.path(idx) : node.path(String.valueOf(el));
            }
            return node;
        }

        private static long fieldIndex(JsonNode object, String name) {
            long i = 0;
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); i++) {
                if (it.next().equals(name)) {
                    return i;
                }
            }
            return i;
        }
    }
}
