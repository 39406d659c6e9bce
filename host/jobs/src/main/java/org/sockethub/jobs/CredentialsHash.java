package org.sockethub.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.TreeMap;

/**
 * The fingerprint of a credentials {@code object}: SHA-256 over a canonical JSON form (object
 * keys sorted, array order and value types kept), exactly as submitted, no defaults applied.
 * Two sessions share a persistent instance only when these match; a worker binds an instance to
 * the fingerprint of the credentials its first credentialed verb succeeded with.
 */
public final class CredentialsHash {

    private CredentialsHash() {
    }

    /**
     * @param object the credentials {@code object} (any JSON)
     * @return hex SHA-256 of its canonical form
     */
    public static String of(JsonNode object) {
        StringBuilder canonical = new StringBuilder();
        write(object, canonical);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param object a credentials {@code object}
     * @return whether it carries a non-empty {@code password} or {@code token}
     */
    public static boolean carriesSecret(JsonNode object) {
        return object != null && (nonEmpty(object.get("password")) || nonEmpty(object.get("token")));
    }

    private static boolean nonEmpty(JsonNode value) {
        return value != null && value.isTextual() && !value.asText().isEmpty();
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node == null || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                sorted.put(name, node.get(name));
            }
            out.append('{');
            boolean first = true;
            for (var e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey())).append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(node.get(i), out);
            }
            out.append(']');
        } else {
            out.append(node.toString());
        }
    }
}
