package org.sockethub.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The configuration contract the launcher and the gateway share: the JSON Schema every
 * configuration is checked against (the launcher's file, environment and flags; the gateway's
 * ConfigAdmin properties under Karaf), and how two configurations merge.
 */
public final class ConfigSchema {

    /** The schema's {@code $id}, which {@code --write-config} puts in {@code $schema}. */
    public static final String ID = "https://sockethub.org/schemas/jvm/sockethub-config.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile Schema schema;

    private ConfigSchema() {
    }

    /**
     * Checks a configuration strictly: unknown keys, wrong types and bad values.
     *
     * @param config the configuration
     * @return one line per problem, naming the key (empty when it is valid)
     */
    public static List<String> problems(JsonNode config) {
        if (!config.isObject()) {
            return List.of("(root): must be a JSON object");
        }
        return schema().validate(config).stream().map(ConfigSchema::describe).toList();
    }

    /**
     * Deep merge: objects merge key by key, anything else replaces; a {@code packageConfig} is
     * replaced whole, so a platform's settings come from one place.
     *
     * @param into the configuration changed
     * @param from what goes on top
     */
    public static void merge(ObjectNode into, ObjectNode from) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode existing = into.get(f.getKey());
            if (existing instanceof ObjectNode target && f.getValue() instanceof ObjectNode source
                    && !"packageConfig".equals(f.getKey())) {
                merge(target, source);
            } else {
                into.set(f.getKey(), f.getValue().deepCopy());
            }
        }
    }

    private static String describe(Error e) {
        String where = e.getInstanceLocation().toString();
        if ("additionalProperties".equals(e.getKeyword())) {
            return (where.isEmpty() ? "" : where + ": ") + "unknown key \"" + e.getProperty() + "\"";
        }
        if ("required".equals(e.getKeyword())) {
            return (where.isEmpty() ? "" : where + ": ") + "missing key \"" + e.getProperty() + "\"";
        }
        return (where.isEmpty() ? "(root)" : where) + ": " + e.getMessage().replaceFirst("^\\S*: ", "");
    }

    private static Schema schema() {
        Schema s = schema;
        if (s == null) {
            try (InputStream in = ConfigSchema.class.getResourceAsStream("config-schema.json")) {
                JsonNode json = JSON.readTree(in);
                s = SchemaRegistry.withDefaultDialect(Dialects.getDraft7())
                        .getSchema(SchemaLocation.of(json.get("$id").asText()), json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            schema = s;
        }
        return s;
    }
}
