package org.sockethub.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.gateway.cluster.ClusterLink;
import org.sockethub.gateway.cluster.NodeMessage;
import org.sockethub.gateway.credentials.CredentialStore;
import org.sockethub.gateway.instances.InstanceRegistry;
import org.sockethub.gateway.instances.PersistentInstance;
import org.sockethub.gateway.pipeline.Activities;
import org.sockethub.gateway.pipeline.Pipeline;
import org.sockethub.gateway.pipeline.RateLimiter;
import org.sockethub.gateway.pipeline.PlatformRegistry;
import org.sockethub.gateway.pipeline.Session;
import org.sockethub.gateway.transport.ClientEvents;
import org.sockethub.gateway.transport.ClientSocket;
import org.sockethub.gateway.validation.ActivitySchemas;
import org.sockethub.gateway.workers.JobRouter;
import org.sockethub.gateway.workers.Lane;
import org.sockethub.gateway.workers.WorkerSupervisor;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing behaviour of the server: what each Socket.IO event does. It turns events
 * into pipeline checks and jobs, and job answers, pushes and worker deaths into acks and
 * {@code message} events. Transport-free: it sees {@link ClientSocket}s and JSON only.
 */
public final class Gateway implements ClientEvents {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** How many {@code activity-object}s one connection may declare. */
    static final int MAX_DECLARED_OBJECTS = 1000;

    private final PlatformRegistry registry;
    private final Pipeline pipeline;
    private final JobRouter router;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    /** Per stateless platform, the sessions that sent it jobs: who is told when its worker dies. */
    private final Map<String, Set<String>> statelessUsers = new ConcurrentHashMap<>();
    private final InstanceRegistry instances;

    private record Client(ClientSocket socket, Session session, RateLimiter limiter, long connectedAt) {
        Client(ClientSocket socket, Session session, RateLimiter limiter) {
            this(socket, session, limiter, System.currentTimeMillis());
        }
    }

    /**
     * What an operator sees of a session.
     *
     * @param id          the session (socket) id
     * @param address     the client address
     * @param http        whether it is an HTTP actions request
     * @param connectedAt when it connected (epoch ms)
     * @param instances   the handles of the persistent instances it is attached to
     */
    public record SessionView(String id, String address, boolean http, long connectedAt, List<String> instances) {
    }

    /** @return every connected session */
    public List<SessionView> sessions() {
        List<SessionView> views = new java.util.ArrayList<>();
        for (Client c : clients.values()) {
            List<String> attached = instances.all().stream().filter(i -> i.sessions().contains(c.session().id()))
                    .map(PersistentInstance::handle).toList();
            views.add(new SessionView(c.session().id(), c.session().address(), c.limiter() == null, c.connectedAt(), attached));
        }
        return views;
    }

    /** @return every persistent instance */
    public java.util.Collection<PersistentInstance> instances() {
        return instances.all();
    }

    /**
     * The limits the gateway enforces.
     *
     * @param rate             per-connection event limit
     * @param connectionsPerIp sockets per client address, {@code 0} for no limit
     * @param proxyHeader      when not {@code null}, the client address is the first entry of this
     *                         header (behind a proxy that sets it) rather than the TCP peer
     */
    public record Limits(RateLimiter.Settings rate, int connectionsPerIp, String proxyHeader) {
    }

    static final String RATE_LIMITED = "rate limit exceeded, temporarily blocked";
    static final String TOO_MANY_CONNECTIONS = "too many concurrent connections from this address";

    /**
     * @param registry    the platforms
     * @param router      where jobs go
     * @param workers     which worker serves an instance
     * @param credentials the sessions' credentials
     * @param instances   the persistent instances
     * @param limits      the limits to enforce
     */
    public Gateway(PlatformRegistry registry, JobRouter router, WorkerSupervisor workers, CredentialStore credentials,
                   InstanceRegistry instances, Limits limits) {
        this.registry = registry;
        this.workers = workers;
        this.credentials = credentials;
        this.instances = instances;
        this.pipeline = new Pipeline(registry::snapshot);
        this.router = router;
        this.limits = limits;
    }

    private final Limits limits;
    private final WorkerSupervisor workers;
    private final CredentialStore credentials;
    /** Open sockets per client address, for the per-address cap. */
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();

    @Override
    public void connected(ClientSocket socket) {
        String address = clientAddress(socket);
        int open = perAddress.merge(address, 1, Integer::sum);
        if (limits.connectionsPerIp() > 0 && open > limits.connectionsPerIp()) {
            perAddress.merge(address, -1, Integer::sum);
            socket.emit("error", serverError(TOO_MANY_CONNECTIONS));
            socket.disconnect();
            return;
        }
        clients.put(socket.id(), new Client(socket, new Session(socket.id(), address), new RateLimiter(limits.rate())));
    }

    /**
     * Opens the session of one HTTP actions request (spec §6.6): a session like a socket's, with
     * its own secret and credentials, outside the per-socket rate limit and the per-address socket
     * cap (the HTTP rate limit applies instead). It ends with {@link #disconnected}.
     *
     * @param socket the request as a client: its address is the one the HTTP layer settled on
     */
    public void httpSessionOpened(ClientSocket socket) {
        clients.put(socket.id(), new Client(socket, new Session(socket.id(), socket.remoteAddress()), null));
    }

    /**
     * The client's address: the TCP peer, or behind a proxy the first entry of its header,
     * trimmed, without an IPv4-mapped prefix.
     */
    private String clientAddress(ClientSocket socket) {
        String address = socket.remoteAddress();
        if (limits.proxyHeader() != null) {
            String forwarded = socket.header(limits.proxyHeader());
            if (forwarded != null && !forwarded.isBlank()) {
                address = forwarded.split(",")[0].trim();
            }
        }
        return address.startsWith("::ffff:") ? address.substring(7) : address;
    }

    /** The server error envelope of the {@code error} event (spec §1.2). */
    static ObjectNode serverError(String summary) {
        ObjectNode error = NODES.objectNode();
        error.put("type", "Error");
        error.set("@context", NODES.arrayNode().add(Activities.AS2).add(Activities.SOCKETHUB)
                .add(org.sockethub.api.PlatformDescriptor.contextUrlOf("error")));
        ObjectNode actor = error.putObject("actor");
        actor.put("type", "Application");
        actor.put("name", "sockethub-server");
        error.put("summary", summary);
        return error;
    }

    @Override
    public void disconnected(ClientSocket socket, String reason) {
        Client client = clients.remove(socket.id());
        if (client != null) {
            credentials.delete(client.session());
            if (client.limiter() != null) {
                perAddress.computeIfPresent(client.session().address(), (a, n) -> n <= 1 ? null : n - 1);
            }
            client.session().close();
            statelessUsers.values().forEach(s -> s.remove(socket.id()));
        }
    }

    /** @return connected clients */
    public int connections() {
        return clients.size();
    }

    @Override
    public void event(ClientSocket socket, String event, List<JsonNode> args, Consumer<JsonNode> ack) {
        Client client = clients.get(socket.id());
        if (client == null) {
            return;
        }
        switch (client.limiter() == null ? RateLimiter.Verdict.PASS : client.limiter().onEvent(System.currentTimeMillis())) {
            case PASS -> { }
            case BLOCK -> {
                socket.emit("error", serverError(RATE_LIMITED));
                return;
            }
            case DROP -> {
                return;
            }
        }
        switch (event) {
            case "schemas" -> schemas(socket, args, ack);
            case "credentials" -> credentials(client.session(), args, ack);
            case "message" -> message(client.session(), args, ack);
            case "activity-object" -> activityObject(client.session(), args, ack);
            default -> LOG.debug("ignoring event {} from {}", event, socket.id());
        }
    }

    private void schemas(ClientSocket socket, List<JsonNode> args, Consumer<JsonNode> ack) {
        PlatformRegistry.Snapshot snapshot = registry.snapshot();
        String fingerprint = args.stream().filter(JsonNode::isTextual).map(JsonNode::asText).findFirst().orElse(null);
        JsonNode answer;
        if (snapshot.fingerprint().equals(fingerprint)) {
            ObjectNode unchanged = NODES.objectNode();
            unchanged.put("fingerprint", fingerprint);
            unchanged.put("unchanged", true);
            answer = unchanged;
        } else {
            answer = snapshot.serialized();
        }
        if (ack != null) {
            ack.accept(answer);
        } else {
            socket.emit("schemas", answer);
        }
    }

    /**
     * Runs the pipeline on an event's payload; a refusal is answered here.
     *
     * @return the accepted activity, or {@code null} when there is nothing more to do
     */
    private Pipeline.Accepted accept(Pipeline.Event event, Session session, List<JsonNode> args, Consumer<JsonNode> ack) {
        if (args.isEmpty()) {
            return null; // the reference sends no ack for a payload-less event
        }
        Pipeline.Verdict verdict = pipeline.check(event, args.get(0), session.declaredObjects());
        if (verdict instanceof Pipeline.Rejected rejected) {
            reply(ack, rejected.answer());
            return null;
        }
        return (Pipeline.Accepted) verdict;
    }

    private void credentials(Session session, List<JsonNode> args, Consumer<JsonNode> ack) {
        Pipeline.Accepted accepted = accept(Pipeline.Event.CREDENTIALS, session, args, ack);
        if (accepted == null) {
            return;
        }
        ObjectNode activity = accepted.activity();
        String platformId = accepted.platform().id();
        String actorId = activity.path("actor").path("id").asText();
        CompletableFuture<Void> written = new CompletableFuture<>();
        session.credentialsWriting(platformId, actorId, written); // before the write starts (spec §1.6)
        credentials.save(session, platformId, actorId, activity.deepCopy()).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("storing credentials failed: {}", error.toString());
                written.completeExceptionally(error);
                reply(ack, errorAnswer(activity, platformId, "failed to store credentials"));
            } else {
                written.complete(null);
                reply(ack, credentialsAck(activity, platformId));
            }
        });
    }

    /**
     * The ack of a stored credentials activity, without its secrets: the reference echoes the
     * whole activity; here {@code object} keeps only its {@code type} (a deliberate difference).
     */
    static ObjectNode credentialsAck(ObjectNode activity, String platformId) {
        ObjectNode ack = Activities.forClient(activity.deepCopy(), platformId);
        if (ack.get("object") instanceof ObjectNode object) {
            ObjectNode kept = NODES.objectNode();
            if (object.has("type")) {
                kept.set("type", object.get("type"));
            }
            ack.set("object", kept);
        }
        return ack;
    }

    private void message(Session session, List<JsonNode> args, Consumer<JsonNode> ack) {
        Pipeline.Accepted accepted = accept(Pipeline.Event.MESSAGE, session, args, ack);
        if (accepted == null) {
            return;
        }
        PlatformDescriptor platform = accepted.platform().descriptor();
        ObjectNode activity = accepted.activity();
        String type = activity.path("type").asText();
        String actorId = activity.path("actor").path("id").asText();
        boolean credentialed = platform.requireCredentials().contains(type);
        if (!platform.persist()) {
            statelessUsers.computeIfAbsent(platform.id(), id -> ConcurrentHashMap.newKeySet()).add(session.id());
            CompletionStage<ObjectNode> stored = credentialed ? storedCredentials(session, platform.id(), actorId)
                    : CompletableFuture.completedFuture(null);
            stored.whenComplete((creds, error) -> {
                if (error != null) {
                    reply(ack, errorAnswer(activity, platform.id(), "credentials not found for " + platform.id() + ":" + actorId));
                    return;
                }
                JobRequest job = JobRequest.of(router.nextJobId(platform.id()), session.id(), platform.id(), activity, creds);
                Lane lane = Lane.of(platform.id());
                workers.ensure(lane);
                router.submit(lane, job, platform.idempotent().contains(type))
                        .thenAccept(answer -> reply(ack, answerFor(answer, activity, platform.id())));
            });
            return;
        }
        // persistent: in the order sent; the session's own credentials decide whether it may use
        // the actor's instance
        session.inOrder(() -> storedCredentials(session, platform.id(), actorId).handle((creds, error) -> {
            if (error != null) {
                reply(ack, errorAnswer(activity, platform.id(), "credentials not found for " + platform.id() + ":" + actorId));
                return CompletableFuture.<Object>completedFuture(null);
            }
            return instanceFor(platform.id(), actorId, session, creds).handle((instance, refusal) -> {
                Throwable why = refusal instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : refusal;
                if (why instanceof InstanceRegistry.Refused refused) {
                    reply(ack, errorAnswer(activity, platform.id(), refused.getMessage()));
                    return CompletableFuture.<Object>completedFuture(null);
                }
                if (why != null) {
                    throw new java.util.concurrent.CompletionException(why);
                }
                return run(instance, session.id(), platform, activity, credentialed, creds, ack);
            }).thenCompose(queued -> queued);
        }).thenCompose(queued -> queued).exceptionally(bug -> {
            // nothing may leave a job without its ack
            LOG.error("job for {} failed in the gateway", platform.id(), bug);
            reply(ack, errorAnswer(activity, platform.id(), "job failed for unknown reason"));
            return null;
        }));
    }

    /**
     * The instance a session's job runs on: one of this node's that the session may use, else,
     * with a cluster link, the one another live node holds for the same scope (the session
     * attaches to it there), else a new one of this node's.
     */
    private CompletableFuture<PersistentInstance> instanceFor(String platformId, String actorId, Session session, ObjectNode creds) {
        try {
            PersistentInstance found = instances.existing(platformId, actorId, session.id(), session.address(), creds, this::isConnected);
            if (found != null) {
                return CompletableFuture.completedFuture(found);
            }
            String scope = InstanceRegistry.scopeOf(creds);
            String handle = instances.newHandle();
            ClusterLink link = cluster;
            if (link == null) {
                return CompletableFuture.completedFuture(instances.create(platformId, actorId, scope, session.id(), session.address(), handle));
            }
            // one claim per scope at a time on this node: a second session waits for the first's
            // instance instead of racing it in the directory
            String key = platformId + "\u0000" + actorId + "\u0000" + scope;
            CompletableFuture<PersistentInstance> claimed = new CompletableFuture<>();
            CompletableFuture<PersistentInstance> under = claims.putIfAbsent(key, claimed);
            if (under != null) {
                return under.handle((i, e) -> null).thenCompose(x -> instanceFor(platformId, actorId, session, creds));
            }
            link.claim(platformId, actorId, scope, handle)
                    .thenCompose(holder -> placed(link, holder, platformId, actorId, scope, handle, session, creds, true))
                    .whenComplete((instance, error) -> {
                        claims.remove(key, claimed);
                        if (error != null) {
                            claimed.completeExceptionally(error);
                        } else {
                            claimed.complete(instance);
                        }
                    });
            return claimed;
        } catch (InstanceRegistry.Refused refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /** The directory claims under way on this node, by (platform, actor, scope). */
    private final Map<String, CompletableFuture<PersistentInstance>> claims = new ConcurrentHashMap<>();

    /** Where the cluster's directory puts a new instance: here, or attached to another node's. */
    private CompletableFuture<PersistentInstance> placed(ClusterLink link, ClusterLink.Holder holder, String platformId, String actorId,
                                                         String scope, String handle, Session session, ObjectNode creds, boolean retry) {
        try {
            if (holder.node().equals(link.nodeId())) {
                if (!holder.handle().equals(handle) && instances.get(holder.handle()) == null && retry) {
                    // an entry of this node's for an instance it no longer has
                    return link.takeOver(platformId, actorId, scope, handle, holder)
                            .thenCompose(next -> placed(link, next, platformId, actorId, scope, handle, session, creds, false));
                }
                try {
                    return CompletableFuture.completedFuture(instances.create(platformId, actorId, scope, session.id(), session.address(),
                            holder.handle().equals(handle) ? handle : holder.handle()));
                } catch (InstanceRegistry.Refused refused) {
                    link.release(platformId, actorId, scope, handle);
                    throw refused;
                }
            }
            if (!InstanceRegistry.isSecret(creds)) {
                // anonymous credentials: one session at a time, and that one is on another node
                throw new InstanceRegistry.Refused(InstanceRegistry.IN_USE);
            }
            String local = holder.node() + "/" + holder.handle();
            boolean known = instances.get(local) != null;
            PersistentInstance attached = instances.create(platformId, actorId, scope, session.id(), session.address(), local,
                    holder.node(), holder.handle());
            if (!known) {
                link.send(holder.node(), NodeMessage.attach(link.nodeId(), holder.handle()));
            }
            return CompletableFuture.completedFuture(attached);
        } catch (InstanceRegistry.Refused refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /** Sends a persistent instance's job: to this node's lane, or to the node that holds the instance. */
    private CompletableFuture<?> run(PersistentInstance instance, String sessionId, PlatformDescriptor platform, ObjectNode activity,
                                     boolean credentialed, ObjectNode creds, Consumer<JsonNode> ack) {
        instance.jobStarted();
        JobRouter.Submission submission;
        ClusterLink link = cluster;
        if (instance.holder() != null && link != null) {
            String jobId = router.nextJobId(platform.id());
            NodeMessage forward = NodeMessage.forward(link.nodeId(), instance.remoteHandle(), jobId, sessionId, activity,
                    credentialed ? creds : null);
            submission = router.forward(Lane.onNode(platform.id(), instance.holder()), jobId, () -> link.send(instance.holder(), forward));
            submission.answer().whenComplete((answer, failure) -> {
                instance.jobEnded();
                ObjectNode payload = answerFor(answer, activity, platform.id());
                reply(ack, payload);
                deliver(others(instance, sessionId), payload); // the holder sends it to its own sessions and other nodes'
                if (answer != null && answer.kind() == JobEvent.Kind.RESULT && credentialed) {
                    instance.bound();
                } else if (answer != null && answer.kind() == JobEvent.Kind.FAILURE && credentialed
                        && String.valueOf(answer.error()).startsWith("invalid credentials for ")) {
                    instance.sessions().remove(sessionId);
                }
            });
            return submission.queued();
        }
        Lane lane = workers.laneFor(platform.id(), instance.handle());
        workers.ensure(lane);
        JobRequest job = JobRequest.of(router.nextJobId(platform.id()), sessionId, instance.handle(), activity,
                credentialed ? creds : null);
        submission = router.enqueue(lane, job);
        submission.answer().whenComplete((answer, failure) -> {
            instance.jobEnded();
            ObjectNode payload = answerFor(answer, activity, platform.id());
            reply(ack, payload);
            fanOut(instance, sessionId, payload);
            afterPersistentJob(instance, sessionId, answer, credentialed, creds);
        });
        return submission.queued();
    }

    /**
     * A job another node forwarded for one of this node's instances: it runs here as this node's
     * own sessions' jobs do, and its answer goes back to that node.
     */
    private void forwarded(ClusterLink link, NodeMessage message) {
        PersistentInstance instance = instances.get(message.handle());
        PlatformRegistry.Entry platform = instance == null ? null : registry.snapshot().platform(instance.platformId());
        if (instance == null || instance.holder() != null || platform == null || message.activity() == null) {
            // the sender's record of it goes too: its session's next request finds or makes one anew
            link.send(message.from(), NodeMessage.answer(link.nodeId(), message.handle(),
                    JobEvent.failure(message.job(), INSTANCE_GONE)));
            link.send(message.from(), NodeMessage.gone(link.nodeId(), message.handle(), null));
            return;
        }
        instance.attachedNodes().add(message.from());
        instance.jobStarted();
        ObjectNode activity = message.activity();
        boolean credentialed = platform.descriptor().requireCredentials().contains(activity.path("type").asText());
        Lane lane = workers.laneFor(instance.platformId(), instance.handle());
        workers.ensure(lane);
        JobRequest job = JobRequest.of(router.nextJobId(instance.platformId()), message.session(), instance.handle(), activity,
                credentialed ? message.credentials() : null);
        router.enqueue(lane, job).answer().whenComplete((answer, failure) -> {
            instance.jobEnded();
            JobEvent back = answer == null ? JobEvent.failure(message.job(), "job failed for unknown reason")
                    : new JobEvent(answer.kind(), message.job(), answer.platform(), answer.instance(), answer.activity(), answer.error());
            link.send(message.from(), NodeMessage.answer(link.nodeId(), message.handle(), back));
            ObjectNode payload = answerFor(answer, activity, instance.platformId());
            deliver(instance.sessions(), payload);
            tellNodes(instance, message.from(), n -> NodeMessage.deliver(link.nodeId(), instance.handle(), payload));
            afterPersistentJob(instance, null, answer, credentialed, message.credentials());
        });
    }

    /** The answer to a job forwarded to another node, when the instance it was sent to is gone. */
    static final String INSTANCE_GONE = "Error: the platform instance is gone; send the request again";
    /** The fatal notice of a session whose instance was held by a node that stopped. */
    static final String NODE_STOPPED = "Error: the server holding this connection stopped";

    /** The session's stored credentials for (platform, actor), once a write under way is over. */
    private CompletionStage<ObjectNode> storedCredentials(Session session, String platformId, String actorId) {
        return session.credentialsWritten(platformId, actorId)
                .thenCompose(written -> credentials.load(session, platformId, actorId));
    }

    /** The request plus {@code error}, as a client receives it. */
    private static ObjectNode errorAnswer(ObjectNode activity, String platformId, String error) {
        return Activities.forClient(Activities.withError(activity, error), platformId);
    }

    /** Every job result on a shared instance also reaches its other sessions (spec §1.8). */
    private void fanOut(PersistentInstance instance, String sender, ObjectNode payload) {
        deliver(others(instance, sender), payload);
        ClusterLink link = cluster;
        if (link != null) {
            tellNodes(instance, null, n -> NodeMessage.deliver(link.nodeId(), instance.handle(), payload));
        }
    }

    private static Set<String> others(PersistentInstance instance, String sender) {
        Set<String> others = new java.util.HashSet<>(instance.sessions());
        others.remove(sender);
        return others;
    }

    /** Sends a message to every other node with sessions on one of this node's instances, but one. */
    private void tellNodes(PersistentInstance instance, String except, java.util.function.Function<String, NodeMessage> message) {
        ClusterLink link = cluster;
        if (link == null || instance.holder() != null) {
            return;
        }
        for (String node : instance.attachedNodes()) {
            if (!node.equals(except)) {
                link.send(node, message.apply(node));
            }
        }
    }

    /**
     * Credentials binding and the fate of the instance after a job (spec §3.7): a credentialed
     * success initialises it; a credentialed failure before that, or a job that timed out (its
     * state is unknown), shuts it down at once (the reference parks it for the janitor and
     * answers {@code queue closed} meanwhile).
     */
    private void afterPersistentJob(PersistentInstance instance, String sessionId, JobEvent answer, boolean credentialed,
                                    ObjectNode creds) {
        if (answer == null) {
            return;
        }
        if (answer.kind() == JobEvent.Kind.FAILURE && credentialed && instance.initialized()
                && String.valueOf(answer.error()).startsWith("invalid credentials for ")) {
            // the worker refused credentials that are not the ones the connection runs with
            // (the reference's sessionUnauthorized): that session no longer shares the instance
            // (a session of another node: that node removes it)
            if (sessionId != null) {
                instance.sessions().remove(sessionId);
            }
        } else if (answer.kind() == JobEvent.Kind.RESULT && credentialed && creds != null) {
            instance.bound();
        } else if (answer.kind() == JobEvent.Kind.TIMEOUT) {
            shutDown(instance, answer.error());
            deliver(instance.sessions(), fatalNotice(instance.platformId(), instance.actorId(), answer.error()));
        } else if (answer.kind() == JobEvent.Kind.FAILURE && credentialed && !instance.initialized()) {
            shutDown(instance, null);
        }
    }

    /** @param error what other nodes' sessions on it are told, or {@code null} for nothing */
    private void shutDown(PersistentInstance instance, String error) {
        instances.remove(instance);
        cleanUp(instance);
        ended(instance, error);
    }

    /**
     * One of this node's instances ended: the cluster's directory forgets it, and the other nodes
     * with sessions on it are told (their sessions get the fatal {@code type: "error"} message
     * with {@code error}, or nothing when it is {@code null}: a janitor's reaping).
     */
    private void ended(PersistentInstance instance, String error) {
        ClusterLink link = cluster;
        if (link == null || instance.holder() != null) {
            return;
        }
        link.release(instance.platformId(), instance.actorId(), instance.scope(), instance.handle());
        tellNodes(instance, null, n -> NodeMessage.gone(link.nodeId(), instance.handle(), error));
    }

    /** Tells the worker to end an instance's connection; an instance's own worker then stops. */
    private void cleanUp(PersistentInstance instance) {
        Lane lane = workers.laneFor(instance.platformId(), instance.handle());
        router.control(lane, JobRequest.cleanup(router.nextJobId(instance.platformId()), instance.handle(),
                instance.actorId()));
        workers.retire(lane);
    }

    /** One janitor pass: instances idle for a whole cycle are shut down (spec §3.9). */
    public void sweep() {
        for (PersistentInstance instance : instances.sweep(this::isConnected)) {
            ClusterLink link = cluster;
            if (instance.holder() == null) {
                cleanUp(instance);
                ended(instance, null);
            } else if (link != null) {
                link.send(instance.holder(), NodeMessage.detach(link.nodeId(), instance.remoteHandle()));
            }
        }
    }

    private boolean isConnected(String sessionId) {
        return clients.containsKey(sessionId);
    }

    private void activityObject(Session session, List<JsonNode> args, Consumer<JsonNode> ack) {
        if (args.isEmpty()) {
            return;
        }
        JsonNode object = args.get(0);
        if (object instanceof ObjectNode o && o.path("id").isTextual() && !o.path("id").asText().isEmpty()) {
            Map<String, ObjectNode> declared = session.declaredObjects();
            if (declared.size() >= MAX_DECLARED_OBJECTS && !declared.containsKey(o.get("id").asText())) {
                reply(ack, Activities.withError(o, "too many activity objects for this connection (limit "
                        + MAX_DECLARED_OBJECTS + ")."));
                return;
            }
            declared.put(o.get("id").asText(), o.deepCopy());
            // the published client (alpha.11) reads any ack argument as an error: succeed with null
            reply(ack, NODES.nullNode());
        } else {
            reply(ack, Activities.withError(object, "activity-object must be an object with an id."));
        }
    }

    private static ObjectNode answerFor(JobEvent answer, ObjectNode request, String platformId) {
        if (answer == null) {
            return errorAnswer(request, platformId, "job failed for unknown reason");
        }
        if (answer.kind() == JobEvent.Kind.RESULT) {
            ObjectNode result = answer.activity() != null ? answer.activity() : request.deepCopy();
            return Activities.forClient(result, platformId);
        }
        String error = answer.error() == null || answer.error().isEmpty() ? "job failed for unknown reason" : answer.error();
        return errorAnswer(request, platformId, error);
    }

    private static void reply(Consumer<JsonNode> ack, JsonNode payload) {
        if (ack != null) {
            ack.accept(payload);
        }
    }

    /**
     * A worker died: a platform's worker takes all of the platform's instances with it
     * ({@link #platformStopped}); an instance's own worker only that instance.
     *
     * @param lane  the dead worker's lane
     * @param error what happened
     */
    public void workerDied(Lane lane, String error) {
        if (!lane.isolated()) {
            platformStopped(lane.platformId(), error);
            return;
        }
        PersistentInstance instance = instances.get(lane.name().substring(lane.platformId().length() + 1));
        if (instance != null) {
            instances.remove(instance);
            deliver(instance.sessions(), fatalNotice(lane.platformId(), instance.actorId(), error));
            ended(instance, error);
        }
    }

    /**
     * A platform's worker is gone (it died, or the platform was removed or replaced), and with it
     * every instance it held: those are forgotten, and every session that used the platform gets
     * the fatal {@code type: "error"} message.
     *
     * @param platformId the platform
     * @param error      what happened, e.g. {@code TypeError: dummy type error}
     */
    public void platformStopped(String platformId, String error) {
        deliver(statelessUsers.getOrDefault(platformId, Set.of()), fatalNotice(platformId, platformId, error));
        platformReplaced(platformId, error);
    }

    /**
     * A platform's worker is draining for new code (the platform was replaced or restarted): its
     * running jobs still get their answers, so the sessions of its stateless platform lose
     * nothing; its persistent instances end with the old worker, so those are forgotten and their
     * sessions get the fatal {@code type: "error"} message.
     *
     * @param platformId the platform
     * @param error      what happened, e.g. {@code Error: platform irc was replaced}
     */
    public void platformReplaced(String platformId, String error) {
        for (PersistentInstance instance : instances.of(platformId)) {
            // its connection died with the worker
            instances.remove(instance);
            deliver(instance.sessions(), fatalNotice(platformId, instance.actorId(), error));
            ended(instance, error);
        }
    }

    /** The fatal {@code type: "error"} message of spec §1.8. */
    private static ObjectNode fatalNotice(String platformId, String actorId, String error) {
        ObjectNode notice = NODES.objectNode();
        notice.set("@context", Activities.canonicalContext(platformId));
        notice.put("type", "error");
        ObjectNode actor = notice.putObject("actor");
        actor.put("id", actorId);
        actor.put("type", "service");
        notice.put("error", error);
        return notice;
    }

    /**
     * Redis is reachable again after it was lost: a session whose stored credentials did not
     * survive (Redis came back empty) is told, for each platform and actor, to send them again.
     * Its next verb that needs them is answered {@code credentials not found for <platform>:<actor>}.
     */
    public void redisReturned() {
        for (Client client : clients.values()) {
            java.util.Set<String> stored = client.session().storedCredentials();
            if (stored.isEmpty()) {
                continue;
            }
            credentials.exists(client.session()).whenComplete((exists, error) -> {
                if (error != null || Boolean.TRUE.equals(exists)) {
                    return;
                }
                for (String pair : stored) {
                    int colon = pair.indexOf(':');
                    String platformId = pair.substring(0, colon);
                    String actorId = pair.substring(colon + 1);
                    client.socket().emit("message", fatalNotice(platformId, actorId,
                            "credentials for " + pair + " were lost with Redis; send credentials again"));
                }
            });
        }
    }

    private void deliver(java.util.Collection<String> sessionIds, ObjectNode activity) {
        for (String sessionId : sessionIds) {
            Client client = clients.get(sessionId);
            if (client != null) {
                client.socket().emit("message", activity);
            }
        }
    }

    /**
     * A platform instance pushed an activity: after the platform's {@code responses} schema
     * admits it (errors are exempt), every session attached to the instance receives it.
     *
     * @param push the push event
     */
    public void pushed(JobEvent push) {
        String platformId = push.platform();
        PlatformRegistry.Entry platform = platformId == null ? null : registry.snapshot().platform(platformId);
        if (platform == null || push.activity() == null) {
            return;
        }
        if (!platform.descriptor().persist()) {
            LOG.warn("ignoring a push from stateless platform {}", platformId);
            return;
        }
        PersistentInstance instance = instances.get(push.instance());
        if (instance == null) {
            return;
        }
        if (push.kind() == JobEvent.Kind.RENAME) {
            String before = instance.actorId();
            String after = push.activity().path("actor").path("id").asText();
            instances.rename(instance.handle(), after);
            ClusterLink link = cluster;
            if (link != null && instance.holder() == null) {
                link.release(instance.platformId(), before, instance.scope(), instance.handle());
                link.claim(instance.platformId(), after, instance.scope(), instance.handle());
                tellNodes(instance, null, n -> NodeMessage.rename(link.nodeId(), instance.handle(), after));
            }
            return;
        }
        ObjectNode activity = push.activity();
        boolean exempt = "error".equals(activity.path("type").asText()) || activity.has("error");
        if (!exempt) {
            var invalid = registry.snapshot().schemas().validate(platformId, ActivitySchemas.Kind.RESPONSES, activity);
            if (invalid.isPresent()) {
                LOG.warn("dropping malformed outbound message from {}: {}", platformId, invalid.get());
                return;
            }
        }
        ObjectNode payload = Activities.forClient(activity, platformId);
        deliver(instance.sessions(), payload);
        ClusterLink link = cluster;
        if (link != null) {
            tellNodes(instance, null, n -> NodeMessage.deliver(link.nodeId(), instance.handle(), payload));
        }
    }

    /**
     * Links this node to the other gateway nodes on its Redis ({@code cluster.secret}): its
     * persistent instances become cluster-wide.
     *
     * @param link the link, whose messages reach {@link #nodeMessage} and whose lost peers {@link #nodeGone}
     */
    public void cluster(ClusterLink link) {
        this.cluster = link;
    }

    private volatile ClusterLink cluster;

    /**
     * A message from another gateway node about an instance one of the two holds.
     *
     * @param message the message
     */
    public void nodeMessage(NodeMessage message) {
        ClusterLink link = cluster;
        if (link == null) {
            return;
        }
        PersistentInstance held = instances.get(message.handle()); // one of this node's, by its handle here
        PersistentInstance attached = instances.get(message.from() + "/" + message.handle()); // one the sender holds
        switch (message.type()) {
            case ATTACH -> {
                if (held != null && held.holder() == null) {
                    held.attachedNodes().add(message.from());
                } else {
                    link.send(message.from(), NodeMessage.gone(link.nodeId(), message.handle(), INSTANCE_GONE));
                }
            }
            case DETACH -> {
                if (held != null && held.holder() == null) {
                    held.attachedNodes().remove(message.from());
                }
            }
            case FORWARD -> forwarded(link, message);
            case ANSWER -> {
                if (message.event() != null) {
                    router.answerFromNode(message.event());
                }
            }
            case DELIVER -> {
                if (attached != null && message.activity() != null) {
                    deliver(attached.sessions(), message.activity());
                }
            }
            case RENAME -> {
                if (attached != null && message.actor() != null) {
                    instances.rename(attached.handle(), message.actor());
                }
            }
            case GONE -> {
                if (attached != null) {
                    instances.remove(attached);
                    if (message.error() != null) {
                        deliver(attached.sessions(), fatalNotice(attached.platformId(), attached.actorId(), message.error()));
                    }
                }
            }
        }
    }

    /**
     * Another gateway node stopped (its heartbeat is gone): the sessions of this node attached to
     * its instances get the fatal {@code type: "error"} message and their jobs sent to it an error
     * ack; it no longer keeps this node's instances alive. A session's next request makes a new
     * instance.
     *
     * @param node the node
     */
    public void nodeGone(String node) {
        for (PersistentInstance instance : instances.all()) {
            if (node.equals(instance.holder())) {
                instances.remove(instance);
                deliver(instance.sessions(), fatalNotice(instance.platformId(), instance.actorId(), NODE_STOPPED));
            } else if (instance.holder() == null) {
                instance.attachedNodes().remove(node);
            }
        }
        router.failForwarded(node, NODE_STOPPED);
    }

    /** @return the nodes this one shares instances with: the holders of those it attaches to, and those attached to its own */
    public Set<String> peers() {
        Set<String> peers = new java.util.HashSet<>();
        for (PersistentInstance instance : instances.all()) {
            if (instance.holder() != null) {
                peers.add(instance.holder());
            } else {
                peers.addAll(instance.attachedNodes());
            }
        }
        return peers;
    }
}
