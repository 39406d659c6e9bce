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
 * <p>One instance per (platform, actor). The session that creates it owns it. Another session
 * may attach (and share the connection, receiving each other's results) only when its own stored
 * credentials for that actor carry a non-empty {@code password} or {@code token} and are exactly
 * those the instance runs with; or when it comes from the same address as the last session,
 * every session of the instance is gone, and the instance is still within the janitor's grace (a
 * page refresh). Anything else is refused with {@code username already in use}: knowing an actor
 * id is never enough to reach a connection.
 */
public final class InstanceRegistry {

    /** The refusal text of the reference server's README (alpha.13–20). */
    public static final String IN_USE = "username already in use";

    private final Map<String, PersistentInstance> byHandle = new ConcurrentHashMap<>();
    private final Map<String, PersistentInstance> byActor = new ConcurrentHashMap<>();
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

        Refused(String message) {
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
        PersistentInstance instance = byActor.get(key(platformId, actorId));
        String offered = credentials == null ? null : CredentialsHash.of(credentials.get("object"));
        if (instance == null) {
            if (maxInstances > 0 && byHandle.size() >= maxInstances) {
                throw new Refused("platform instance limit reached (" + maxInstances + "); cannot start new "
                        + platformId + " instance");
            }
            instance = new PersistentInstance("i" + counter.incrementAndGet(), platformId, actorId);
            instance.credentialsHash(offered);
            byHandle.put(instance.handle(), instance);
            byActor.put(key(platformId, actorId), instance);
        } else if (!instance.sessions().contains(sessionId)) {
            boolean sameSecret = offered != null && CredentialsHash.carriesSecret(credentials.get("object"))
                    && offered.equals(instance.credentialsHash());
            boolean reclaim = address != null && address.equals(instance.lastAddress())
                    && instance.sessions().stream().noneMatch(connected);
            if (!sameSecret && !reclaim) {
                throw new Refused(IN_USE);
            }
            instance.sessions().removeIf(connected.negate());
        }
        instance.attach(sessionId, address);
        return instance;
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
        byActor.remove(key(instance.platformId(), instance.actorId()), instance);
        instance.actorId(newActor);
        byActor.put(key(instance.platformId(), newActor), instance);
    }

    /**
     * @param instance the instance to forget
     */
    public synchronized void remove(PersistentInstance instance) {
        byHandle.remove(instance.handle(), instance);
        byActor.remove(key(instance.platformId(), instance.actorId()), instance);
    }

    /**
     * @param platformId a platform
     * @return its instances
     */
    public List<PersistentInstance> of(String platformId) {
        List<PersistentInstance> found = new ArrayList<>();
        for (PersistentInstance i : byHandle.values()) {
            if (i.platformId().equals(platformId)) {
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
            boolean idle = !instance.initialized() || instance.sessions().isEmpty();
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

    private static String key(String platformId, String actorId) {
        return platformId + "\u0000" + actorId;
    }
}
