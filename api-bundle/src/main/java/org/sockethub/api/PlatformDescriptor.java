package org.sockethub.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything the gateway needs to know about a platform without running it: identity,
 * configuration defaults, JSON Schemas and the class that implements its verbs.
 *
 * <p>The schemas follow the Sockethub platform schema format: each validates the <em>whole</em>
 * activity, not only its {@code object}. {@code messages} is required and lists the verbs in
 * {@code properties.type.enum}; {@code credentials} is present when the platform accepts
 * credentials (an empty object accepts any); {@code responses}, when present, is what the host
 * checks pushed activities against.
 *
 * <p>Build one with {@link #builder(String, Class)}; schemas are normally bundle resources read
 * with {@link Builder#schemasFrom(Class, String)}.
 */
public final class PlatformDescriptor {

    /** The pattern a platform id must match: lower case letters, digits, {@code -} and {@code _}. */
    public static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final String version;
    private final boolean persist;
    private final List<String> requireCredentials;
    private final List<String> idempotent;
    private final ObjectNode config;
    private final ObjectNode messagesSchema;
    private final ObjectNode credentialsSchema;
    private final ObjectNode responsesSchema;
    private final Class<? extends PlatformInstance> instanceType;

    private PlatformDescriptor(Builder b) {
        this.id = b.id;
        this.version = b.version;
        this.persist = b.persist;
        this.requireCredentials = List.copyOf(b.requireCredentials);
        this.idempotent = List.copyOf(b.idempotent);
        this.config = b.config.deepCopy();
        this.messagesSchema = b.messagesSchema;
        this.credentialsSchema = b.credentialsSchema;
        this.responsesSchema = b.responsesSchema;
        this.instanceType = b.instanceType;
    }

    /**
     * Starts a descriptor.
     *
     * @param id           the platform id: the {@code <id>} of its context URL and the key of its
     *                     {@code packageConfig}; must match {@link #ID_PATTERN}
     * @param instanceType the class whose {@link Verb} methods implement the verbs
     * @return a builder
     */
    public static Builder builder(String id, Class<? extends PlatformInstance> instanceType) {
        return new Builder(id, instanceType);
    }

    /** @return the platform id, e.g. {@code "dummy"} */
    public String id() {
        return id;
    }

    /** @return the platform version as published in the registry */
    public String version() {
        return version;
    }

    /** @return {@code true} for one instance per actor (chat networks), {@code false} for one shared instance */
    public boolean persist() {
        return persist;
    }

    /** @return the verbs that receive the stored credentials ({@link Job#credentials()}) */
    public List<String> requireCredentials() {
        return requireCredentials;
    }

    /**
     * The verbs that may run twice with the same effect as once (an echo, a fetch). When the
     * worker running such a job dies before it answers, the job runs once more on the next worker
     * instead of being answered with the worker's death; other verbs get that error.
     *
     * @return the idempotent verbs (none unless declared)
     * @since 1.1
     */
    public List<String> idempotent() {
        return idempotent;
    }

    /**
     * Configuration defaults, e.g. {@code connectTimeoutMs}, {@code concurrency} (stateless
     * platforms; default 10) and platform keys such as the dummy platform's {@code greeting}.
     *
     * @return a copy
     */
    public ObjectNode config() {
        return config.deepCopy();
    }

    /** @return the messages schema (a copy) */
    public ObjectNode messagesSchema() {
        return messagesSchema.deepCopy();
    }

    /** @return the credentials schema (a copy), empty if the platform takes no credentials */
    public Optional<ObjectNode> credentialsSchema() {
        return Optional.ofNullable(credentialsSchema).map(ObjectNode::deepCopy);
    }

    /** @return the responses schema (a copy), empty if pushes are not checked */
    public Optional<ObjectNode> responsesSchema() {
        return Optional.ofNullable(responsesSchema).map(ObjectNode::deepCopy);
    }

    /** @return the class implementing the verbs */
    public Class<? extends PlatformInstance> instanceType() {
        return instanceType;
    }

    /** @return {@code https://sockethub.org/ns/context/platform/<id>/v1.jsonld} */
    public String contextUrl() {
        return contextUrlOf(id);
    }

    /**
     * The context URL of a platform id.
     *
     * @param platformId the id
     * @return {@code https://sockethub.org/ns/context/platform/<id>/v1.jsonld}
     */
    public static String contextUrlOf(String platformId) {
        return "https://sockethub.org/ns/context/platform/" + platformId + "/v1.jsonld";
    }

    /** Builds a {@link PlatformDescriptor}. */
    public static final class Builder {
        private final String id;
        private final Class<? extends PlatformInstance> instanceType;
        private String version;
        private boolean persist;
        private List<String> requireCredentials = List.of();
        private List<String> idempotent = List.of();
        private final ObjectNode config = JsonNodeFactory.instance.objectNode();
        private ObjectNode messagesSchema;
        private ObjectNode credentialsSchema;
        private ObjectNode responsesSchema;

        private Builder(String id, Class<? extends PlatformInstance> instanceType) {
            if (id == null || !ID_PATTERN.matcher(id).matches()) {
                throw new IllegalArgumentException("platform id must match " + ID_PATTERN + ": " + id);
            }
            this.id = id;
            this.instanceType = Objects.requireNonNull(instanceType, "instanceType");
        }

        /**
         * Sets the version. Without it, the version is the {@code Bundle-Version} of the bundle
         * that holds the instance type, or {@code 0.0.0} outside OSGi.
         *
         * @param version the version string
         * @return this builder
         */
        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /**
         * @param persist {@code true} for one instance per actor and connection scope
         * @return this builder
         */
        public Builder persist(boolean persist) {
            this.persist = persist;
            return this;
        }

        /**
         * @param verbs the verbs that receive the stored credentials
         * @return this builder
         */
        public Builder requireCredentials(String... verbs) {
            this.requireCredentials = List.of(verbs);
            return this;
        }

        /**
         * Declares the verbs that may run twice with the same effect as once; see
         * {@link PlatformDescriptor#idempotent()}. A verb that sends a message or changes state on
         * the network is not one of them.
         *
         * @param verbs the idempotent verbs
         * @return this builder
         * @since 1.1
         */
        public Builder idempotent(String... verbs) {
            this.idempotent = List.of(verbs);
            return this;
        }

        /**
         * Adds a configuration default.
         *
         * @param key   the key, e.g. {@code "greeting"}
         * @param value a string, number or boolean
         * @return this builder
         */
        public Builder config(String key, Object value) {
            config.set(key, JSON.valueToTree(value));
            return this;
        }

        /**
         * Sets the schemas directly.
         *
         * @param messages    required
         * @param credentials {@code null} if the platform takes no credentials
         * @param responses   {@code null} if pushes are not checked
         * @return this builder
         */
        public Builder schemas(ObjectNode messages, ObjectNode credentials, ObjectNode responses) {
            this.messagesSchema = Objects.requireNonNull(messages, "messages schema");
            this.credentialsSchema = credentials;
            this.responsesSchema = responses;
            return this;
        }

        /**
         * Reads {@code messages.json} (required), {@code credentials.json} and
         * {@code responses.json} (both optional) from a resource folder of the bundle that holds
         * {@code anchor}.
         *
         * @param anchor a class of the platform bundle
         * @param folder the folder, e.g. {@code "schemas"}
         * @return this builder
         * @throws IllegalArgumentException if {@code messages.json} is missing or a file is not a JSON object
         */
        public Builder schemasFrom(Class<?> anchor, String folder) {
            ObjectNode messages = readSchema(anchor, folder, "messages.json");
            if (messages == null) {
                throw new IllegalArgumentException("platform " + id + ": missing schema resource " + folder + "/messages.json");
            }
            return schemas(messages, readSchema(anchor, folder, "credentials.json"),
                    readSchema(anchor, folder, "responses.json"));
        }

        private ObjectNode readSchema(Class<?> anchor, String folder, String name) {
            String path = folder.endsWith("/") ? folder + name : folder + "/" + name;
            URL url = anchor.getClassLoader().getResource(path);
            if (url == null) {
                return null;
            }
            try (InputStream in = url.openStream()) {
                var node = JSON.readTree(in);
                if (!(node instanceof ObjectNode)) {
                    throw new IllegalArgumentException("platform " + id + ": schema " + path + " is not a JSON object");
                }
                return (ObjectNode) node;
            } catch (IOException e) {
                throw new UncheckedIOException("platform " + id + ": cannot read schema " + path, e);
            }
        }

        /**
         * @return the descriptor
         * @throws IllegalStateException if no messages schema was set
         */
        public PlatformDescriptor build() {
            if (messagesSchema == null) {
                throw new IllegalStateException("platform " + id + ": no messages schema");
            }
            if (version == null) {
                version = BundleVersions.of(instanceType);
            }
            return new PlatformDescriptor(this);
        }
    }
}
