package org.sockethub.gateway.credentials;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.sockethub.jobs.Utf8Codec;

/**
 * Where a session's credentials live: one Redis hash per session
 * ({@code sockethub:{<node>}:credentials:<session>}), one field per (platform, actor) named by the
 * SHA-256 of {@code <platform>:<actor id>}, each value sealed with the session's own key
 * ({@link CredentialCipher}). Every write and read slides the hash's TTL
 * ({@code credentials.ttlMs}, 0 for none); the hash is deleted when the session ends, and the
 * gateway deletes every key of its node at shutdown.
 */
public final class CredentialStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SAVE = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
            + "if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end\nreturn 1\n";
    private static final String LOAD = "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
            + "if v and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\nreturn v\n";

    private final RedissonClient redis;
    private final RScript script;
    private final String nodeId;
    private final byte[] master = CredentialCipher.newSecret();
    private final long ttlMs;
    private final org.sockethub.gateway.ops.Metrics metrics;

    /**
     * @param redis  the Redis client
     * @param nodeId the gateway node (a hash tag in the key)
     * @param ttlMs  sliding time to live, 0 for none
     * @param metrics counts Redis errors
     */
    public CredentialStore(RedissonClient redis, String nodeId, long ttlMs, org.sockethub.gateway.ops.Metrics metrics) {
        this.metrics = metrics;
        this.redis = redis;
        this.script = redis.getScript(Utf8Codec.INSTANCE);
        this.nodeId = nodeId;
        this.ttlMs = ttlMs;
    }

    /** What the store needs to know about a session. */
    public interface Owner {
        /** @return the session id */
        String id();

        /** @return the session's random secret */
        byte[] secret();
    }

    /**
     * @param session    the owner
     * @param platformId the platform
     * @param actorId    the actor
     * @param activity   the whole credentials activity
     * @return completes once stored
     */
    public CompletionStage<Void> save(Owner session, String platformId, String actorId, ObjectNode activity) {
        String sealed;
        try {
            sealed = cipher(session).seal(JSON.writeValueAsString(activity));
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
        return script.<Long>evalAsync(RScript.Mode.READ_WRITE, SAVE, RScript.ReturnType.LONG, List.of(key(session)),
                field(platformId, actorId), sealed, Long.toString(ttlMs)).thenApply(ok -> (Void) null).whenComplete(this::count);
    }

    /**
     * @param session    the owner
     * @param platformId the platform
     * @param actorId    the actor
     * @return the credentials activity, or {@code null} if none is stored (or it cannot be opened)
     */
    public CompletionStage<ObjectNode> load(Owner session, String platformId, String actorId) {
        return script.<String>evalAsync(RScript.Mode.READ_WRITE, LOAD, RScript.ReturnType.VALUE, List.of(key(session)),
                field(platformId, actorId), Long.toString(ttlMs)).whenComplete(this::count).thenApply(sealed -> {
                    if (sealed == null) {
                        return null;
                    }
                    try {
                        return (ObjectNode) JSON.readTree(cipher(session).open(sealed));
                    } catch (JsonProcessingException | IllegalArgumentException | ClassCastException e) {
                        return null;
                    }
                });
    }

    /**
     * @param session the session
     * @return whether the session's credentials are in Redis (they are not after Redis came back empty)
     */
    public CompletionStage<Boolean> exists(Owner session) {
        return hash(session).isExistsAsync();
    }

    /**
     * Forgets everything a session stored.
     *
     * @param session the owner
     * @return completes once deleted, with whether there was anything to delete
     */
    public CompletionStage<Boolean> delete(Owner session) {
        return hash(session).deleteAsync();
    }

    /**
     * The session's hash as one key: {@code EXISTS} and {@code DEL} of one key, not Redisson's
     * multi-key commands (which group their keys by cluster slot on every call, a cost on every
     * connection's end).
     */
    private org.redisson.api.RMap<String, String> hash(Owner session) {
        return redis.getMap(key(session), Utf8Codec.INSTANCE);
    }

    private void count(Object ignored, Throwable error) {
        if (error != null) {
            metrics.redisError();
        }
    }

    private CredentialCipher cipher(Owner session) {
        return CredentialCipher.forSession(master, session.secret());
    }

    String key(Owner session) {
        return "sockethub:{" + nodeId + "}:credentials:" + session.id();
    }

    static String field(String platformId, String actorId) {
        // BouncyCastle's digest directly: no provider look-up on every save and load
        byte[] in = (platformId + ":" + actorId).getBytes(StandardCharsets.UTF_8);
        SHA256Digest sha256 = new SHA256Digest();
        sha256.update(in, 0, in.length);
        byte[] digest = new byte[sha256.getDigestSize()];
        sha256.doFinal(digest, 0);
        return HexFormat.of().formatHex(digest);
    }
}
