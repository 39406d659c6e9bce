package org.sockethub.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.sockethub.gateway.validation.ActivitySchemas;
import org.sockethub.gateway.validation.JsValues;

/**
 * The checks every incoming {@code credentials} and {@code message} go through, in the order
 * and with the literal error texts of the Sockethub protocol (spec/protocol.md §2.1): shape,
 * normalisation, platform resolution from {@code @context}, then the envelope and the platform's
 * schema. Pure: no I/O, no socket; the transport decides what to do with the verdict.
 */
public final class Pipeline {

    /** Which client event an activity arrived on. */
    public enum Event {
        /** {@code credentials} */
        CREDENTIALS,
        /** {@code message} */
        MESSAGE
    }

    /** The verdict on one activity. */
    public sealed interface Verdict permits Rejected, Accepted {
    }

    /**
     * Refused: the client's ack is {@link #answer()}.
     *
     * @param request the request as received or normalised
     * @param error   the error text
     */
    public record Rejected(JsonNode request, String error) implements Verdict {
        /** @return the request plus {@code error} */
        public ObjectNode answer() {
            return Activities.withError(request, error);
        }
    }

    /**
     * Accepted.
     *
     * @param platform the platform it addresses
     * @param activity the normalised activity
     */
    public record Accepted(PlatformRegistry.Entry platform, ObjectNode activity) implements Verdict {
    }

    static final String NOT_AN_OBJECT = "message received is not an object.";
    static final String NO_CONTEXT = "activity stream must contain an @context array.";
    static final String NO_TYPE = "activity stream must contain a type property.";
    static final String NO_ACTOR = "activity stream must contain an actor property.";
    static final String UNREGISTERED = "platform context URL not registered with this Sockethub instance. ";
    static final String NOT_CREDENTIALS = "credential activity streams must have credentials set as type";

    private final Supplier<PlatformRegistry.Snapshot> registry;

    /**
     * @param registry the current platforms
     */
    public Pipeline(Supplier<PlatformRegistry.Snapshot> registry) {
        this.registry = registry;
    }

    /**
     * @param event    the event it came on
     * @param payload  the payload, as JSON ({@code null} for a JSON null)
     * @param declared objects the session declared with {@code activity-object}
     * @return the verdict
     */
    public Verdict check(Event event, JsonNode payload, Map<String, ObjectNode> declared) {
        if (!(payload instanceof ObjectNode raw)) {
            return new Rejected(null, NOT_AN_OBJECT);
        }
        JsonNode context = raw.get("@context");
        if (context == null || !context.isArray() || !allStrings(context)) {
            return new Rejected(raw, NO_CONTEXT);
        }
        if (!raw.path("type").isTextual()) {
            return new Rejected(raw, NO_TYPE);
        }
        ObjectNode activity = Activities.normalize(raw, declared);
        if (!JsValues.truthy(activity.get("actor"))) {
            return new Rejected(activity, NO_ACTOR);
        }

        PlatformRegistry.Snapshot snapshot = registry.get();
        List<String> candidates = new ArrayList<>();
        for (JsonNode url : context) {
            String u = url.asText();
            if (!u.equals(Activities.AS2) && !u.equals(Activities.SOCKETHUB)) {
                candidates.add(u);
            }
        }
        if (candidates.isEmpty()) {
            return new Rejected(activity, UNREGISTERED + "No platform @context values were provided.");
        }
        List<String> registered = candidates.stream().filter(u -> snapshot.idForContext(u) != null).toList();
        if (registered.size() > 1) {
            return new Rejected(activity, UNREGISTERED + "Multiple platform @context values were provided: "
                    + String.join(", ", registered) + ".");
        }
        if (registered.isEmpty()) {
            return new Rejected(activity, UNREGISTERED + "Unregistered platform @context value: " + candidates.get(0));
        }
        String platformId = snapshot.idForContext(registered.get(0));
        PlatformRegistry.Entry platform = snapshot.platform(platformId);
        if (platform == null) {
            return new Rejected(activity, "platform " + platformId
                    + " resolved from @context is not enabled in this Sockethub instance.");
        }

        String prefix = "[" + platformId + "] ";
        ActivitySchemas schemas = snapshot.schemas();
        if (event == Event.CREDENTIALS && !"credentials".equals(activity.path("type").asText())) {
            return new Rejected(activity, NOT_CREDENTIALS);
        }
        Optional<String> envelope = schemas.validateEnvelope(activity);
        if (envelope.isPresent()) {
            return new Rejected(activity, prefix + envelope.get());
        }
        ActivitySchemas.Kind kind = event == Event.CREDENTIALS ? ActivitySchemas.Kind.CREDENTIALS : ActivitySchemas.Kind.MESSAGES;
        Optional<String> own = schemas.validate(platformId, kind, activity);
        if (own.isPresent()) {
            return new Rejected(activity, prefix + own.get());
        }
        if (event == Event.MESSAGE) {
            List<String> types = platform.verbs();
            String type = activity.path("type").asText();
            if (!types.contains(type)) {
                return new Rejected(activity, "platform type " + type + " not supported by " + platformId
                        + " platform. (types: " + String.join(", ", types) + ")");
            }
        }
        return new Accepted(platform, activity);
    }

    private static boolean allStrings(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
