package org.sockethub.gateway.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.gateway.validation.ActivitySchemas;
import org.sockethub.jobs.VerbTable;

/**
 * The platforms this gateway serves. Every change (a platform bundle arriving or leaving)
 * produces a new immutable {@link Snapshot}: compiled schemas, the registry payload clients get
 * from {@code schemas}, and its fingerprint.
 */
public final class PlatformRegistry {

    /** Platform ids the server reserves: registered (their context URLs are known) but never enabled. */
    public static final List<String> PSEUDO_PLATFORMS = List.of("error", "sockethub:internal");

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One registered platform.
     *
     * @param descriptor what the platform declared
     * @param location   where its bundle lives (a worker loads it from there)
     * @param verbs      the verbs of its messages schema, in schema order
     */
    public record Entry(PlatformDescriptor descriptor, String location, List<String> verbs) {

        /**
         * @param descriptor what the platform declared
         * @param location   where its bundle lives
         */
        public Entry(PlatformDescriptor descriptor, String location) {
            this(descriptor, location, verbsOf(descriptor));
        }

        /** @return the platform id */
        public String id() {
            return descriptor.id();
        }
    }

    private static List<String> verbsOf(PlatformDescriptor descriptor) {
        List<String> verbs = new ArrayList<>();
        descriptor.messagesSchema().path("properties").path("type").path("enum").forEach(v -> verbs.add(v.asText()));
        return List.copyOf(verbs);
    }

    private final String serverVersion;
    private final Map<String, Entry> entries = new TreeMap<>();
    private volatile Snapshot snapshot;

    /**
     * @param serverVersion the version published in the registry
     */
    public PlatformRegistry(String serverVersion) {
        this.serverVersion = serverVersion;
        this.snapshot = new Snapshot(serverVersion, Map.of());
    }

    /** @return the current snapshot */
    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Checks a platform before it is registered: its schemas, and that its schema verbs and its
     * {@code @Verb} methods agree.
     *
     * @param descriptor the platform
     * @return why it is refused, if it is
     */
    public static Optional<String> problemsOf(PlatformDescriptor descriptor) {
        List<String> problems = new ArrayList<>();
        List<String> verbs = verbsOf(descriptor);
        if (verbs.isEmpty()) {
            problems.add("messages schema has no properties.type.enum listing its verbs");
        } else {
            try {
                String mismatch = VerbTable.of(descriptor.instanceType()).mismatch(verbs);
                if (mismatch != null) {
                    problems.add(mismatch);
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        ActivitySchemas.problemsOf("messages schema", descriptor.messagesSchema()).ifPresent(problems::add);
        descriptor.credentialsSchema().flatMap(s -> ActivitySchemas.problemsOf("credentials schema", s)).ifPresent(problems::add);
        descriptor.responsesSchema().flatMap(s -> ActivitySchemas.problemsOf("responses schema", s)).ifPresent(problems::add);
        if (PSEUDO_PLATFORMS.contains(descriptor.id())) {
            problems.add("platform id " + descriptor.id() + " is reserved");
        }
        return problems.isEmpty() ? Optional.empty()
                : Optional.of("platform " + descriptor.id() + " refused: " + String.join("; ", problems));
    }

    /**
     * Registers (or replaces) a platform. The caller has checked it with {@link #problemsOf}.
     *
     * @param entry the platform
     * @return the new snapshot
     */
    public synchronized Snapshot put(Entry entry) {
        entries.put(entry.id(), entry);
        snapshot = new Snapshot(serverVersion, entries);
        return snapshot;
    }

    /**
     * @param platformId the platform to drop
     * @return the new snapshot
     */
    public synchronized Snapshot remove(String platformId) {
        entries.remove(platformId);
        snapshot = new Snapshot(serverVersion, entries);
        return snapshot;
    }

    /** An immutable view of the registered platforms. */
    public static final class Snapshot {
        private final Map<String, Entry> platforms;
        private final Map<String, String> idsByContextUrl = new LinkedHashMap<>();
        private final ActivitySchemas schemas;
        private final ObjectNode registry;
        private final JsonNode serialized;
        private final String fingerprint;

        Snapshot(String serverVersion, Map<String, Entry> entries) {
            this.platforms = Collections.unmodifiableMap(new TreeMap<>(entries));
            Map<String, Map<ActivitySchemas.Kind, ObjectNode>> compiled = new TreeMap<>();
            ArrayNode published = JSON.createArrayNode();
            for (Entry e : platforms.values()) {
                PlatformDescriptor d = e.descriptor();
                idsByContextUrl.put(d.contextUrl(), d.id());
                Map<ActivitySchemas.Kind, ObjectNode> kinds = new EnumMap<>(ActivitySchemas.Kind.class);
                kinds.put(ActivitySchemas.Kind.MESSAGES, d.messagesSchema());
                kinds.put(ActivitySchemas.Kind.CREDENTIALS, d.credentialsSchema().orElse(JSON.createObjectNode()));
                d.responsesSchema().ifPresent(r -> kinds.put(ActivitySchemas.Kind.RESPONSES, r));
                compiled.put(d.id(), kinds);
                published.add(publish(e));
            }
            for (String pseudo : PSEUDO_PLATFORMS) {
                idsByContextUrl.putIfAbsent(PlatformDescriptor.contextUrlOf(pseudo), pseudo);
            }
            this.schemas = new ActivitySchemas(compiled);

            ObjectNode content = JSON.createObjectNode();
            content.put("version", serverVersion);
            ObjectNode contexts = content.putObject("contexts");
            contexts.put("as", Activities.AS2);
            contexts.put("sockethub", Activities.SOCKETHUB);
            content.set("platforms", published);
            this.fingerprint = fingerprintOf(content);
            this.registry = JSON.createObjectNode();
            registry.put("fingerprint", fingerprint);
            registry.setAll(content);
            try {
                this.serialized = JSON.getNodeFactory().rawValueNode(new RawValue(JSON.writeValueAsString(registry)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private static ObjectNode publish(Entry e) {
            PlatformDescriptor d = e.descriptor();
            ObjectNode p = JSON.createObjectNode();
            p.put("id", d.id());
            p.put("version", d.version());
            p.put("contextUrl", d.contextUrl());
            p.put("contextVersion", "1");
            p.put("schemaVersion", "1");
            ArrayNode types = p.putArray("types");
            if (d.credentialsSchema().isPresent()) {
                types.add("credentials");
            }
            e.verbs().forEach(types::add);
            ObjectNode schemas = p.putObject("schemas");
            schemas.set("credentials", d.credentialsSchema().orElse(JSON.createObjectNode()));
            schemas.set("messages", d.messagesSchema());
            return p;
        }

        private static String fingerprintOf(ObjectNode content) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256")
                        .digest(JSON.writeValueAsString(content).getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest).substring(0, 16);
            } catch (NoSuchAlgorithmException | JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** @return enabled platforms by id */
        public Map<String, Entry> platforms() {
            return platforms;
        }

        /**
         * @param platformId an id
         * @return the enabled platform, or {@code null}
         */
        public Entry platform(String platformId) {
            return platforms.get(platformId);
        }

        /**
         * @param contextUrl a platform context URL
         * @return the id registered for it (enabled or pseudo), or {@code null}
         */
        public String idForContext(String contextUrl) {
            return idsByContextUrl.get(contextUrl);
        }

        /** @return the compiled schemas */
        public ActivitySchemas schemas() {
            return schemas;
        }

        /** @return the full registry payload (do not modify) */
        public ObjectNode registry() {
            return registry;
        }

        /**
         * @return the registry payload as it goes to clients, serialised once per snapshot rather
         *         than for each connection that asks for it (~5 kB; a few percent of a set-up in a
         *         profile, below what the set-up benchmark resolves)
         */
        public JsonNode serialized() {
            return serialized;
        }

        /** @return the registry's fingerprint */
        public String fingerprint() {
            return fingerprint;
        }
    }
}
