package org.sockethub.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;

/** JavaScript's reading of JSON values, where the reference's behaviour depends on it. */
public final class JsValues {

    private JsValues() {
    }

    /**
     * JavaScript truthiness: {@code null}, missing, {@code false}, {@code 0}, {@code NaN} and
     * {@code ""} are false; everything else, empty objects and arrays included, is true.
     *
     * @param v a value, or {@code null} for a missing one
     * @return whether JavaScript would treat it as true
     */
    public static boolean truthy(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return false;
        }
        if (v.isTextual()) {
            return !v.asText().isEmpty();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.asDouble() != 0 && !Double.isNaN(v.asDouble());
        }
        return true;
    }
}
