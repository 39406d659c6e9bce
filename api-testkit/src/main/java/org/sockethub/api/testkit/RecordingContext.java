package org.sockethub.api.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sockethub.api.PlatformContext;

/**
 * A {@link PlatformContext} for a platform's unit tests: it hands the instance a configuration
 * and records what the instance sends to its clients ({@link #pushes()}) and every actor rename
 * it asks for ({@link #renames()}). Safe to use from the instance's own threads.
 *
 * <pre>{@code
 * RecordingContext context = new RecordingContext("irc", "alice", new IrcPlatform().descriptor().config());
 * IrcInstance irc = new IrcInstance(context);
 * ...
 * ObjectNode joined = context.awaitPush(p -> "join".equals(p.path("type").asText()), Duration.ofSeconds(5));
 * }</pre>
 */
public final class RecordingContext implements PlatformContext {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String platformId;
    private final String actorId;
    private final ObjectNode config;
    private final List<ObjectNode> pushes = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> renames = new CopyOnWriteArrayList<>();

    /**
     * A context that hands out the given ids and configuration and has recorded nothing yet.
     *
     * @param platformId the platform's id
     * @param actorId    the instance's actor id
     * @param config     the platform's configuration as the instance will see it (usually the
     *                   descriptor's defaults with a test's overrides); handed out as it is
     */
    public RecordingContext(String platformId, String actorId, ObjectNode config) {
        this.platformId = platformId;
        this.actorId = actorId;
        this.config = config;
    }

    /**
     * A platform's configuration with a test's settings on top, e.g.
     * {@code withSettings(new FeedsPlatform().descriptor().config(), "{\"allowPrivateAddresses\":true}")}.
     *
     * @param defaults the platform's defaults (changed and returned)
     * @param settings a JSON object whose keys replace the defaults' ones
     * @return the defaults with the settings
     */
    public static ObjectNode withSettings(ObjectNode defaults, String settings) {
        try {
            defaults.setAll((ObjectNode) JSON.readTree(settings));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalArgumentException("not a JSON object: " + settings, e);
        }
        return defaults;
    }

    @Override
    public String platformId() {
        return platformId;
    }

    @Override
    public String actorId() {
        return actorId;
    }

    @Override
    public ObjectNode config() {
        return config;
    }

    @Override
    public Logger log() {
        return LoggerFactory.getLogger(platformId + "-test");
    }

    @Override
    public void sendToClient(ObjectNode activity) {
        pushes.add(activity);
    }

    /** Records the rename and reports it done at once, as the gateway does once it has re-keyed. */
    @Override
    public CompletionStage<Void> updateActor(ObjectNode credentials) {
        renames.add(credentials);
        return CompletableFuture.completedFuture(null);
    }

    /** @return every activity sent to the clients so far, in order (a live, thread-safe view) */
    public List<ObjectNode> pushes() {
        return pushes;
    }

    /** @return the credentials of every {@code updateActor} call so far, in order */
    public List<ObjectNode> renames() {
        return renames;
    }

    /**
     * Waits for a push that matches, including one sent already.
     *
     * @param match   what to wait for
     * @param timeout how long
     * @return the first matching push
     * @throws AssertionError       if none came in time (with what did come)
     * @throws InterruptedException if interrupted
     */
    public ObjectNode awaitPush(Predicate<ObjectNode> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (ObjectNode push : pushes) {
                if (match.test(push)) {
                    return push;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching push within " + timeout.toMillis() + " ms; pushes: " + pushes);
            }
            Thread.sleep(10);
        }
    }
}
