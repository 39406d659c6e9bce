package org.sockethub.gateway.instances;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.sockethub.jobs.CredentialsHash;

/**
 * The persistent platform instances of this gateway and who may use them.
 *
 * <p>An instance is scoped by (platform, actor, credentials), as the reference scopes it
 * (spec §3.5; design §7, §12). Credentials with a non-empty {@code password} or {@code token}: the
 * scope is the hash of the whole credentials {@code object}. Sessions with identical credentials
 * share one instance (one connection, each other's results); other credentials for the same actor
 * get an instance of their own (a second device, a second resource, a wrong password: the network
 * answers). Anonymous credentials (no secret) have one scope per (platform, actor): the session that
 * creates the instance owns it, and another still-connected session is refused with
 * {@code username already in use} (the server README's gate), unless it comes from the same address
 * as the last session while every session of the instance is gone and the instance is within the
 * janitor's grace (a page refresh). Knowing an actor id is never enough to reach a connection. A
 * session uses one instance per (platform, actor): resolving another detaches it from the first;
 * with no credentials stored for the actor id it keeps the one it is attached to (renamed to it),
 * or reclaims one as above, whatever that instance's credentials.
 */
public final class InstanceRegistry {

    /** The refusal text of the reference server's README (alpha.13–20). */
    public static final String IN_USE = "username already in use";

    private final Map<String, PersistentInstance> byHandle = new ConcurrentHashMap<>();
    /** By (platform, actor, scope). */
    private final Map<String, PersistentInstance> byKey = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    private final int maxInstances;

    /**
     * @param maxInstances the most instances at once ({@code limits.maxPlatformInstances}; 0: no limit)
     */
    public InstanceRegistry(int maxInstances) {
        this.maxInstances = maxInstances;
    }

    /** Why a session may not use an instance. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        /** @param message the error text the session's ack carries */
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Finds or creates the instance a session's job runs on, attaching the session to it.
     *
     * @param platformId  the platform
     * @param actorId     the actor
     * @param sessionId   the session
     * @param address     the session's client address
     * @param credentials the session's stored credentials for (platform, actor), or {@code null}
     * @param connected   whether a session id is still connected
     * @return the instance
     * @throws Refused with {@link #IN_USE}, or the instance-cap text
     */
    public synchronized PersistentInstance resolve(String platformId, String actorId, String sessionId, String address,
                                                   ObjectNode credentials, Predicate<String> connected) throws Refused {
        PersistentInstance found = existing(platformId, actorId, sessionId, address, credentials, connected);
        return found != null ? found : create(platformId, actorId, scopeOf(credentials), sessionId, address, newHandle());
    }

    /**
     * The instance a session's job runs on, if there is one here, attaching the session to it
     * ({@link #resolve} without making one).
     *
     * @return the instance, or {@code null} when a new one is needed for the scope of {@code credentials}
     * @throws Refused with {@link #IN_USE}
     */
    public synchronized PersistentInstance existing(String platformId, String actorId, String sessionId, String address,
                                                    ObjectNode credentials, Predicate<String> connected) throws Refused {
        if (credentials == null) {
            // no credentials stored for this actor id: the instance the session already speaks
            // through under it (one renamed to it, an IRC nick change), else one it may reclaim
            PersistentInstance reclaimable = null;
            for (PersistentInstance candidate : byHandle.values()) {
                if (!candidate.platformId().equals(platformId) || !candidate.actorId().equals(actorId)) {
                    continue;
                }
                if (candidate.sessions().contains(sessionId)) {
                    candidate.attach(sessionId, address);
                    return candidate;
                }
                if (reclaimable(candidate, address, connected) && (reclaimable == null || candidate.initialized())) {
                    reclaimable = candidate;
                }
            }
            if (reclaimable != null) {
                reclaimable.sessions().clear();
                reclaimable.attach(sessionId, address);
                return reclaimable;
            }
        }
        boolean secret = isSecret(credentials);
        PersistentInstance instance = byKey.get(key(platformId, actorId, scopeOf(credentials)));
        if (instance == null) {
            return null;
        }
        if (!instance.sessions().contains(sessionId)) {
            if (!secret && !reclaimable(instance, address, connected)) {
                throw new Refused(IN_USE);
            }
            instance.sessions().removeIf(connected.negate());
        }
        attach(instance, sessionId, address);
        return instance;
    }

    /**
     * Makes the instance of a scope, or attaches to the one made meanwhile (a claim in the
     * cluster's directory is asynchronous), attaching the session.
     *
     * @param scope        {@link #scopeOf} the session's credentials
     * @param handle       its handle here: {@link #newHandle()}, or for one another node holds
     *                     {@code <holder>/<remoteHandle>}
     * @param holder       the node that holds it, or {@code null} for this node
     * @param remoteHandle its handle on {@code holder}
     * @return the instance
     * @throws Refused with the instance-cap text (instances this node holds count)
     */
    public synchronized PersistentInstance create(String platformId, String actorId, String scope, String sessionId, String address,
                                                  String handle, String holder, String remoteHandle) throws Refused {
        PersistentInstance instance = byKey.get(key(platformId, actorId, scope));
        if (instance == null) {
            if (holder == null && maxInstances > 0 && byHandle.values().stream().filter(i -> i.holder() == null).count() >= maxInstances) {
                throw new Refused("platform instance limit reached (" + maxInstances + "); cannot start new "
                        + platformId + " instance");
            }
            instance = new PersistentInstance(handle, platformId, actorId, scope, holder, remoteHandle);
            byHandle.put(instance.handle(), instance);
            byKey.put(key(platformId, actorId, scope), instance);
        }
        attach(instance, sessionId, address);
        return instance;
    }

    /** Same as {@link #create(String, String, String, String, String, String, String, String)} for one this node holds. */
    public PersistentInstance create(String platformId, String actorId, String scope, String sessionId, String address, String handle)
            throws Refused {
        return create(platformId, actorId, scope, sessionId, address, handle, null, null);
    }

    /** @return a handle no instance of this node has had */
    public String newHandle() {
        return "i" + counter.incrementAndGet();
    }

    /**
     * @param credentials a session's stored credentials, or {@code null}
     * @return the scope they give an instance: the hash of a secret-bearing credentials object, else ""
     */
    public static String scopeOf(ObjectNode credentials) {
        return isSecret(credentials) ? CredentialsHash.of(credentials.get("object")) : "";
    }

    /** @return whether the credentials carry a password or token (identical ones share an instance) */
    public static boolean isSecret(ObjectNode credentials) {
        return credentials != null && CredentialsHash.carriesSecret(credentials.get("object"));
    }

    /** Attaches a session; newly attached, it leaves the instance it used for that (platform, actor). */
    private void attach(PersistentInstance instance, String sessionId, String address) {
        if (!instance.sessions().contains(sessionId)) {
            for (PersistentInstance other : byHandle.values()) {
                if (other != instance && other.platformId().equals(instance.platformId()) && other.actorId().equals(instance.actorId())) {
                    other.sessions().remove(sessionId);
                }
            }
        }
        instance.attach(sessionId, address);
    }

    /** A page refresh: the same address as its last session, and every session of it gone. */
    private static boolean reclaimable(PersistentInstance instance, String address, Predicate<String> connected) {
        return address != null && address.equals(instance.lastAddress()) && instance.sessions().stream().noneMatch(connected);
    }

    /**
     * @param handle an instance handle
     * @return the instance, or {@code null}
     */
    public PersistentInstance get(String handle) {
        return byHandle.get(handle);
    }

    /**
     * Re-keys an instance to its new actor (an IRC nick change); the handle stays.
     *
     * @param handle   the instance
     * @param newActor the new actor id
     */
    public synchronized void rename(String handle, String newActor) {
        PersistentInstance instance = byHandle.get(handle);
        if (instance == null) {
            return;
        }
        byKey.remove(key(instance.platformId(), instance.actorId(), instance.scope()), instance);
        instance.actorId(newActor);
        byKey.put(key(instance.platformId(), newActor, instance.scope()), instance);
    }

    /**
     * @param instance the instance to forget
     */
    public synchronized void remove(PersistentInstance instance) {
        byHandle.remove(instance.handle(), instance);
        byKey.remove(key(instance.platformId(), instance.actorId(), instance.scope()), instance);
    }

    /**
     * @param platformId a platform
     * @return its instances that this node holds (their connections are in its workers)
     */
    public List<PersistentInstance> of(String platformId) {
        List<PersistentInstance> found = new ArrayList<>();
        for (PersistentInstance i : byHandle.values()) {
            if (i.platformId().equals(platformId) && i.holder() == null) {
                found.add(i);
            }
        }
        return found;
    }

    /** @return every instance */
    public Collection<PersistentInstance> all() {
        return List.copyOf(byHandle.values());
    }

    /**
     * One janitor pass (spec §3.9, with its two fixes): sessions that are gone are dropped; an
     * instance that never initialized or has no sessions left is flagged, and removed on the next
     * pass if still so, unless a job is running on it (a slow connect is not reaped).
     *
     * @param connected whether a session id is still connected
     * @return the instances to shut down (already removed)
     */
    public synchronized List<PersistentInstance> sweep(Predicate<String> connected) {
        List<PersistentInstance> reaped = new ArrayList<>();
        for (PersistentInstance instance : byHandle.values()) {
            instance.sessions().removeIf(connected.negate());
            // one another node holds is that node's to judge: here it only keeps this node's sessions
            boolean idle = instance.holder() == null && !instance.initialized()
                    || instance.sessions().isEmpty() && instance.attachedNodes().isEmpty();
            if (!idle || instance.inFlight() > 0) {
                continue;
            }
            if (instance.flagged()) {
                reaped.add(instance);
            } else {
                instance.flag();
            }
        }
        reaped.forEach(this::remove);
        return reaped;
    }

    private static String key(String platformId, String actorId, String scope) {
        return platformId + "\u0000" + actorId + "\u0000" + scope;
    }
}
