package org.sockethub.gateway.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.sockethub.gateway.workers.Absences;
import org.sockethub.jobs.ClusterSecret;
import org.sockethub.jobs.JobCipher;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.RedisPipeline;
import org.sockethub.jobs.Utf8Codec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway nodes on one Redis share about persistent instances, when they share a
 * {@code cluster.secret}: a directory of who holds each instance, and messages from node to node.
 *
 * <p>The directory has one key per instance scope (platform, actor, credentials hash, as
 * {@link org.sockethub.gateway.instances.InstanceRegistry} scopes them), named by an HMAC of the
 * scope under a key derived from the secret (no actor id or credentials hash readable in Redis),
 * holding {@code "<node> <handle>"}. The node that claims it first holds the instance and opens
 * its connection; the others attach their sessions to it. An entry lives 60 s and its holder
 * renews it every 20 s, so a dead holder's entries go; one whose holder has no heartbeat is taken
 * over at once.
 *
 * <p>Messages ({@link NodeMessage}) go on the receiver's events stream, field {@link #FIELD},
 * sealed with AES-256-GCM under the cluster's job key, in the order they were sent (one pipelined
 * connection). Every second the node looks at the heartbeats of the nodes it shares instances with
 * ({@code peers}); one whose heartbeat is gone at two looks at least 1.5 s apart is reported
 * ({@code gone}): within the heartbeat's TTL (6 s) and 2.5 s of its death.
 */
public final class ClusterLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterLink.class);
    /** The events-stream field of a node message (a job event's is {@link JobStreams#FIELD}). */
    public static final String FIELD = "n";
    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final long ENTRY_TTL_MS = 60_000;
    private static final long RENEW_MS = 20_000;
    private static final long LOOK_MS = 1_000;

    /** KEYS[1] the entry; ARGV[1] the claim, ARGV[2] its TTL, ARGV[3] an entry it may replace (or ""): the entry after. */
    private static final String CLAIM = "local v = redis.call('GET', KEYS[1])\n"
            + "if v == false or (ARGV[3] ~= '' and v == ARGV[3]) then\n"
            + "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
            + "  return ARGV[1]\n"
            + "end\n"
            + "return v\n";
    /** KEYS[1] the entry; ARGV[1] the claim: deleted if still it. */
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0\n";
    /** KEYS[1] the entry; ARGV[1] the claim, ARGV[2] the TTL: renewed if still it. */
    private static final String RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0\n";

    /**
     * Who holds an instance.
     *
     * @param node   the node
     * @param handle the instance's handle there
     */
    public record Holder(String node, String handle) {
    }

    private final RedissonClient redis;
    private final String nodeId;
    private final JobCipher cipher;
    private final byte[] directoryKey;
    private final RedisPipeline pipeline;
    private final Consumer<NodeMessage> received;
    private final Supplier<Set<String>> peers;
    private final Consumer<String> gone;
    /** The entries this node holds: entry key → claim. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    /** Peers seen without a heartbeat. */
    private final Absences missing = new Absences(1_500);
    private final ScheduledFuture<?> looks;
    private final ScheduledFuture<?> renewals;

    /**
     * @param redis    the node's Redis
     * @param nodeId   this node
     * @param secret   {@code cluster.secret}
     * @param timers   where the looks and renewals run
     * @param received receives the messages of other nodes
     * @param peers    the nodes this one shares instances with now
     * @param gone     told of a peer whose heartbeat is gone
     */
    public ClusterLink(RedissonClient redis, String nodeId, String secret, ScheduledExecutorService timers,
                       Consumer<NodeMessage> received, Supplier<Set<String>> peers, Consumer<String> gone) {
        this.redis = redis;
        this.nodeId = nodeId;
        this.cipher = new JobCipher(jobKey(secret));
        this.directoryKey = ClusterSecret.derive(secret, "sockethub instance directory v1");
        this.pipeline = new RedisPipeline(redis);
        this.received = received;
        this.peers = peers;
        this.gone = gone;
        this.looks = timers.scheduleWithFixedDelay(() -> quietly("look at peers", this::look), LOOK_MS, LOOK_MS, TimeUnit.MILLISECONDS);
        this.renewals = timers.scheduleWithFixedDelay(() -> quietly("renew the directory", this::renew), RENEW_MS, RENEW_MS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * @param secret {@code cluster.secret}
     * @return the job key of every process with this secret ({@link ClusterSecret#jobKey})
     */
    public static byte[] jobKey(String secret) {
        return ClusterSecret.jobKey(secret);
    }

    /** @return this node */
    public String nodeId() {
        return nodeId;
    }

    /** The directory entry of a scope: {@code sockethub:instance:<base64url HMAC-SHA256>}. */
    String entryKey(String platformId, String actorId, String scope) {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(directoryKey));
        byte[] in = (platformId + "\u0000" + actorId + "\u0000" + scope).getBytes(StandardCharsets.UTF_8);
        mac.update(in, 0, in.length);
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0);
        return "sockethub:instance:" + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }

    /**
     * Claims a scope for a new instance of this node, unless a live node holds it.
     *
     * @param handle the handle the new instance would have here
     * @return who holds it now: this node with {@code handle} if the claim won; another live
     *         node; or this node with another handle (claimed meanwhile, or left by an instance
     *         this node no longer has: then the caller claims again with {@link #takeOver})
     */
    public CompletableFuture<Holder> claim(String platformId, String actorId, String scope, String handle) {
        String key = entryKey(platformId, actorId, scope);
        return claim(key, nodeId + " " + handle, "").thenCompose(holder -> {
            if (holder.node().equals(nodeId)) {
                return CompletableFuture.completedFuture(holder);
            }
            return redis.getBucket(JobStreams.alive(holder.node()), Utf8Codec.INSTANCE).isExistsAsync().toCompletableFuture()
                    .thenCompose(alive -> alive ? CompletableFuture.completedFuture(holder)
                            : claim(key, nodeId + " " + handle, holder.node() + " " + holder.handle()));
        });
    }

    /**
     * Claims a scope whose entry names an instance that is gone.
     *
     * @param stale what the entry says
     * @return who holds it now
     */
    public CompletableFuture<Holder> takeOver(String platformId, String actorId, String scope, String handle, Holder stale) {
        return claim(entryKey(platformId, actorId, scope), nodeId + " " + handle, stale.node() + " " + stale.handle());
    }

    private CompletableFuture<Holder> claim(String key, String claim, String replacing) {
        return redis.getScript(Utf8Codec.INSTANCE).<String>evalAsync(key, RScript.Mode.READ_WRITE, CLAIM, RScript.ReturnType.VALUE,
                List.of(key), claim, Long.toString(ENTRY_TTL_MS), replacing).toCompletableFuture().thenApply(value -> {
                    if (value.equals(claim)) {
                        held.put(key, claim);
                    }
                    int space = value.indexOf(' ');
                    return new Holder(value.substring(0, space), value.substring(space + 1));
                });
    }

    /** The directory forgets an instance of this node (it ended, or was renamed). */
    public void release(String platformId, String actorId, String scope, String handle) {
        String key = entryKey(platformId, actorId, scope);
        String claim = nodeId + " " + handle;
        held.remove(key, claim);
        pipeline.write(key, RedisPipeline.EVAL_LONG, RELEASE, 1, key, claim);
    }

    private void renew() {
        held.forEach((key, claim) -> pipeline.write(key, RedisPipeline.EVAL_LONG, RENEW, 1, key, claim, ENTRY_TTL_MS));
    }

    /**
     * Sends a message to another node's events stream, after every message sent before it.
     *
     * @param node    the receiver
     * @param message the message
     * @return completes once it is in the stream
     */
    public CompletableFuture<Object> send(String node, NodeMessage message) {
        String sealed;
        try {
            sealed = cipher.encrypt(JSON.writeValueAsString(message));
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
        String key = JobStreams.events(node);
        return pipeline.write(key, RedisPipeline.XADD, key, "*", FIELD, sealed);
    }

    /**
     * A sealed message from the events stream.
     *
     * @param sealed what was read
     */
    public void receive(String sealed) {
        NodeMessage message;
        try {
            message = JSON.readValue(cipher.decrypt(sealed), NodeMessage.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            LOG.warn("dropping a node message that does not open (is cluster.secret the same on every node?): {}", e.toString());
            return;
        }
        received.accept(message);
    }

    private synchronized void look() {
        Set<String> absent = new java.util.HashSet<>();
        for (String node : peers.get()) {
            if (!node.equals(nodeId) && !redis.getBucket(JobStreams.alive(node), Utf8Codec.INSTANCE).isExists()) {
                absent.add(node);
            }
        }
        for (String node : missing.longEnough(absent)) {
            missing.done(node);
            LOG.info("node {} has no heartbeat: its shared instances are gone", node);
            gone.accept(node);
        }
    }

    private static void quietly(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("cluster: {} failed: {}", what, e.toString());
        }
    }

    /** Stops looking and renewing; the entries this node holds are released. */
    @Override
    public void close() {
        looks.cancel(false);
        renewals.cancel(false);
        held.forEach((key, claim) -> {
            try {
                redis.getScript(Utf8Codec.INSTANCE).eval(key, RScript.Mode.READ_WRITE, RELEASE, RScript.ReturnType.LONG,
                        List.of(key), claim);
            } catch (RuntimeException e) {
                LOG.debug("releasing {}: {}", key, e.toString());
            }
        });
        held.clear();
        pipeline.close();
    }
}
