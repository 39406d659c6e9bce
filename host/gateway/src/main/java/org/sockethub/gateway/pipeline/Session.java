package org.sockethub.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway keeps per client connection: its credentials per (platform, actor) and the
 * objects it declared with {@code activity-object}. Nothing here is shared with another session.
 */
public final class Session {

    private final String id;
    private final String address;
    private final Map<String, ObjectNode> credentials = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> declaredObjects = new ConcurrentHashMap<>();
    private volatile boolean connected = true;

    /**
     * @param id      the session id (the Socket.IO socket id)
     * @param address the client address
     */
    public Session(String id, String address) {
        this.id = id;
        this.address = address;
    }

    /** @return the session id */
    public String id() {
        return id;
    }

    /** @return the client address */
    public String address() {
        return address;
    }

    /** @return whether the client is still connected */
    public boolean connected() {
        return connected;
    }

    /** Marks the session gone and forgets its credentials. */
    public void close() {
        connected = false;
        credentials.clear();
        declaredObjects.clear();
    }

    /**
     * @param platformId the platform
     * @param actorId    the actor
     * @param activity   the whole credentials activity
     */
    public void storeCredentials(String platformId, String actorId, ObjectNode activity) {
        credentials.put(platformId + ":" + actorId, activity);
    }

    /**
     * @param platformId the platform
     * @param actorId    the actor
     * @return the stored credentials activity, or {@code null}
     */
    public ObjectNode credentials(String platformId, String actorId) {
        return credentials.get(platformId + ":" + actorId);
    }

    /** @return the objects declared with {@code activity-object}, by id (live view) */
    public Map<String, ObjectNode> declaredObjects() {
        return declaredObjects;
    }
}
