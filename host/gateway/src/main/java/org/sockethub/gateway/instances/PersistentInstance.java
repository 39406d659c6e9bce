package org.sockethub.gateway.instances;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's record of one persistent platform instance (one chat connection). Its
 * {@link #handle()} never changes, so jobs keep reaching it when its actor is renamed; the
 * (platform, actor) index that points at it is kept by {@link InstanceRegistry}.
 */
public final class PersistentInstance {

    private final String handle;
    private final String platformId;
    /** The hash of the secret-bearing credentials it was made for, or "" for anonymous ones. */
    private final String scope;
    private volatile String actorId;
    private final Set<String> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean initialized;
    private volatile boolean flagged;
    private volatile String lastAddress;
    /** The node that holds it, when another node does; {@code null} when this node does. */
    private final String holder;
    /** Its handle on {@link #holder}. */
    private final String remoteHandle;
    /** Other nodes with sessions on it (when this node holds it). */
    private final Set<String> attachedNodes = ConcurrentHashMap.newKeySet();

    PersistentInstance(String handle, String platformId, String actorId, String scope) {
        this(handle, platformId, actorId, scope, null, null);
    }

    PersistentInstance(String handle, String platformId, String actorId, String scope, String holder, String remoteHandle) {
        this.holder = holder;
        this.remoteHandle = remoteHandle;
        this.handle = handle;
        this.platformId = platformId;
        this.actorId = actorId;
        this.scope = scope;
    }

    /** @return the hash of the secret-bearing credentials it serves, or "" (anonymous credentials) */
    public String scope() {
        return scope;
    }

    /**
     * @return the gateway node that holds it (its connection, its worker) when that is another
     *         node, which this node forwards the jobs of its sessions to; {@code null} when this
     *         node holds it
     */
    public String holder() {
        return holder;
    }

    /** @return its handle on {@link #holder()} ({@code null} when this node holds it) */
    public String remoteHandle() {
        return remoteHandle;
    }

    /** @return the other nodes with sessions attached to it, when this node holds it (live view) */
    public Set<String> attachedNodes() {
        return attachedNodes;
    }

    /** @return the immutable handle jobs are addressed to */
    public String handle() {
        return handle;
    }

    /** @return the platform */
    public String platformId() {
        return platformId;
    }

    /** @return the actor it serves now */
    public String actorId() {
        return actorId;
    }

    void actorId(String actorId) {
        this.actorId = actorId;
    }

    /** @return the attached session ids (live view) */
    public Set<String> sessions() {
        return sessions;
    }

    /** @return whether a credentialed verb has succeeded on it */
    public boolean initialized() {
        return initialized;
    }

    /** A credentialed verb succeeded on it. */
    public void bound() {
        initialized = true;
    }

    void attach(String sessionId, String address) {
        sessions.add(sessionId);
        lastAddress = address;
        flagged = false; // a session came back: the grace starts again (a reference bug, fixed)
    }

    String lastAddress() {
        return lastAddress;
    }

    /** A job for it was sent. */
    public void jobStarted() {
        inFlight.incrementAndGet();
    }

    /** A job for it was answered. */
    public void jobEnded() {
        inFlight.decrementAndGet();
    }

    /** @return jobs sent to it and not yet answered */
    public int inFlight() {
        return inFlight.get();
    }

    boolean flagged() {
        return flagged;
    }

    void flag() {
        flagged = true;
    }
}
