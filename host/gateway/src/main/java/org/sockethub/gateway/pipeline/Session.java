package org.sockethub.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.sockethub.gateway.credentials.CredentialCipher;
import org.sockethub.gateway.credentials.CredentialStore;

/**
 * What the gateway keeps per client connection: its random secret (its credentials are sealed
 * with a key derived from it, see {@link CredentialStore}), the credentials writes still under
 * way, and the objects it declared with {@code activity-object}. Nothing here is shared with
 * another session.
 */
public final class Session implements CredentialStore.Owner {

    private final String id;
    private final String address;
    private final byte[] secret = CredentialCipher.newSecret();
    private final Map<String, CompletionStage<Void>> pendingCredentials = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> declaredObjects = new ConcurrentHashMap<>();
    private volatile boolean connected = true;
    /** The end of this session's chain of jobs for persistent platforms, see {@link #inOrder}. */
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    /**
     * @param id      the session id (the Socket.IO socket id)
     * @param address the client address
     */
    public Session(String id, String address) {
        this.id = id;
        this.address = address;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public byte[] secret() {
        return secret;
    }

    /** @return the client address */
    public String address() {
        return address;
    }

    /** @return whether the client is still connected */
    public boolean connected() {
        return connected;
    }

    /** Marks the session gone. */
    public void close() {
        connected = false;
        pendingCredentials.clear();
        declaredObjects.clear();
    }

    /**
     * Records a credentials write under way, before it starts, so that a verb sent right behind
     * it waits for it (spec §1.6).
     *
     * @param platformId the platform
     * @param actorId    the actor
     * @param write      the write
     */
    public void credentialsWriting(String platformId, String actorId, CompletionStage<Void> write) {
        pendingCredentials.put(platformId + ":" + actorId, write);
    }

    /** @return the {@code <platform>:<actor>} pairs this session stored credentials for */
    public java.util.Set<String> storedCredentials() {
        return java.util.Set.copyOf(pendingCredentials.keySet());
    }

    /**
     * @param platformId the platform
     * @param actorId    the actor
     * @return completes when the last credentials write for them is over (at once if none);
     *         exceptionally if it failed
     */
    public CompletionStage<Void> credentialsWritten(String platformId, String actorId) {
        CompletionStage<Void> write = pendingCredentials.get(platformId + ":" + actorId);
        return write == null ? CompletableFuture.completedFuture(null) : write;
    }

    /**
     * Runs a step after the previous step of this session is over, whatever its outcome: jobs of
     * one session reach a persistent instance in the order the client sent them, even though
     * each first waits for an asynchronous credentials look-up.
     *
     * @param step starts the work; its stage completes when the job is queued (or refused)
     */
    public synchronized void inOrder(java.util.function.Supplier<CompletionStage<?>> step) {
        tail = tail.handle((ok, error) -> null).thenCompose(ignored -> step.get());
    }

    /** @return the objects declared with {@code activity-object}, by id (live view) */
    public Map<String, ObjectNode> declaredObjects() {
        return declaredObjects;
    }
}
