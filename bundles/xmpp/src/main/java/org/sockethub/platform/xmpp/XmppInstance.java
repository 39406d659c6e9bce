package org.sockethub.platform.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StreamError;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.roster.RosterEntry;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/**
 * One XMPP account's connection (one instance per actor; the gateway shares it between the
 * sessions that present the same credentials). Verbs follow spec/platforms.md §4.4; incoming
 * stanzas are translated by {@link Incoming}. Beyond upstream: initial presence and the roster
 * on login, {@code subscribe} presences as {@code request-friend}, chat states, and a dropped
 * connection retried with backoff, rooms rejoined, the client told both ways.
 */
public class XmppInstance implements PlatformInstance {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "xmpp-reconnect-timer");
        t.setDaemon(true);
        return t;
    });
    /** Reconnection attempts block for up to the connect timeout: one thread each, so instances do not wait on each other. */
    private static final java.util.concurrent.ExecutorService ATTEMPTS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "xmpp-reconnect");
        t.setDaemon(true);
        return t;
    });

    private final PlatformContext context;
    private final Object lock = new Object();
    /** Joined rooms (bare JID) and the nick used in each, in join order. */
    private final Map<String, String> rooms = new ConcurrentHashMap<>();
    /** Occupants seen in each joined room (nicks), from MUC presence. */
    private final Map<String, Set<String>> occupants = new ConcurrentHashMap<>();
    private volatile XMPPTCPConnection connection;
    private volatile XmppAccount account;
    private volatile String actorId;
    private volatile boolean initialized;
    private volatile boolean closed;
    private volatile Presence lastPresence;
    private ScheduledFuture<?> reconnect;
    private int attempts;

    public XmppInstance(PlatformContext context) {
        this.context = context;
        XmppConnections.init();
    }

    @Override
    public boolean isInitialized() {
        return initialized;
    }

    @Override
    public void cleanup() {
        XMPPTCPConnection old;
        synchronized (lock) {
            closed = true;
            initialized = false;
            if (reconnect != null) {
                reconnect.cancel(false);
                reconnect = null;
            }
            old = connection;
            connection = null;
            rooms.clear();
            occupants.clear();
        }
        if (old != null) {
            try {
                old.disconnect();
            } catch (RuntimeException e) {
                context.log().debug("xmpp disconnect: {}", e.toString());
            }
        }
    }

    // ----- connect ------------------------------------------------------------------------

    @Verb
    public void connect(Job job) {
        XMPPTCPConnection existing = connection;
        if (existing != null) {
            // A second session attaching, or a connection that is reconnecting on its own.
            initialized = true;
            job.complete();
            return;
        }
        JsonNode object = job.credentials().map(c -> c.path("object")).orElse(NODES.objectNode());
        XmppAccount acc;
        try {
            acc = XmppAccount.of(object);
        } catch (IllegalArgumentException e) {
            job.fail(e);
            return;
        }
        XMPPTCPConnection conn;
        try {
            conn = withBundleLoader(() -> new XMPPTCPConnection(XmppConnections.configuration(acc, context.config())));
        } catch (Exception e) {
            job.fail("client creation failed: " + message(e));
            return;
        }
        synchronized (lock) {
            closed = false;
            account = acc;
            actorId = job.activity().path("actor").path("id").asText(acc.bareJid());
            connection = conn;
            reconnect = null;
            attempts = 0;
        }
        XmppConnections.prepare(conn, context.config());
        conn.addSyncStanzaListener(stanza -> onStanza(conn, stanza), stanza -> true);
        conn.setParsingExceptionCallback(unparsable -> {
            // Smack refuses e.g. <show>online</show>; read such a presence without the show.
            try {
                onStanza(conn, Incoming.parse(unparsable.getContent().toString()));
            } catch (Exception e) {
                context.log().info("xmpp: dropped a stanza Smack cannot parse: {}", unparsable.getParsingException().toString());
            }
        });
        conn.addConnectionListener(new ConnectionListener() {
            @Override
            public void connectionClosedOnError(Exception e) {
                onDropped(conn, e);
            }
        });
        try {
            withBundleLoader(() -> {
                conn.connect();
                conn.login();
                return null;
            });
        } catch (Exception e) {
            synchronized (lock) {
                if (connection == conn) {
                    connection = null;
                }
                initialized = false;
            }
            conn.disconnect();
            String why = message(e);
            if (acc.directTls() && !hasCause(e, javax.net.ssl.SSLException.class)) {
                // Smack's writer may hit the closed socket before its reader reports why TLS failed.
                why = XmppConnections.tlsProblem(acc, context.config()).map(p -> "TLS handshake failed: " + p).orElse(why);
            }
            job.fail("connection failed: " + why + ". (service: " + acc.service() + ")");
            return;
        }
        synchronized (lock) {
            if (connection != conn) { // cleaned up while connecting
                conn.disconnect();
                job.fail("connection failed: disconnected while connecting. (service: " + acc.service() + ")");
                return;
            }
            initialized = true;
        }
        job.complete();
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable e) {
        if (e instanceof SASLErrorException) {
            SASLErrorException sasl = (SASLErrorException) e;
            return "authentication failed (" + sasl.getSASLFailure().getSASLErrorString() + ", mechanism "
                    + sasl.getMechanism() + ")";
        }
        String text = e.getMessage();
        return text == null ? e.getClass().getSimpleName() : text;
    }

    /** Runs Smack code with this bundle as the context class loader (its ServiceLoader lookups, its threads). */
    static <T> T withBundleLoader(SmackCall<T> call) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(XmppInstance.class.getClassLoader());
        try {
            return call.run();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** A Smack call that may throw anything. */
    interface SmackCall<T> {
        T run() throws Exception;
    }

    // ----- incoming -----------------------------------------------------------------------

    private void onStanza(XMPPTCPConnection conn, Stanza stanza) {
        if (conn != connection) {
            return;
        }
        try {
            trackOccupants(stanza);
            XmppAccount acc = account;
            for (ObjectNode activity : Incoming.translate(stanza, rooms.keySet(), acc == null ? "" : acc.bareJid())) {
                fillAttendance(stanza, activity);
                context.sendToClient(activity);
            }
        } catch (RuntimeException e) {
            context.log().warn("xmpp: cannot translate an incoming stanza: {}", e.toString());
        }
    }

    private void trackOccupants(Stanza stanza) {
        if (!(stanza instanceof Presence) || stanza.getFrom() == null) {
            return;
        }
        String from = stanza.getFrom().toString();
        int slash = from.indexOf('/');
        if (slash < 0) {
            return;
        }
        Set<String> seen = occupants.get(from.substring(0, slash));
        if (seen == null) {
            return;
        }
        Presence presence = (Presence) stanza;
        String nick = from.substring(slash + 1);
        if (presence.getType() == Presence.Type.available) {
            seen.add(nick);
        } else if (presence.getType() == Presence.Type.unavailable) {
            seen.remove(nick);
        }
    }

    /** Prosody answers a room's disco#items with no members: use the occupants seen in MUC presence. */
    private void fillAttendance(Stanza stanza, ObjectNode activity) {
        if (!(stanza instanceof IQ) || !"query".equals(activity.path("type").asText())
                || !"attendance".equals(activity.path("object").path("type").asText())) {
            return;
        }
        ArrayNode members = (ArrayNode) activity.path("object").path("members");
        Set<String> seen = occupants.get(activity.path("actor").path("id").asText());
        if (members.isEmpty() && seen != null) {
            synchronized (seen) {
                seen.forEach(members::add);
            }
        }
    }

    // ----- connection loss and reconnection ----------------------------------------------

    private void onDropped(XMPPTCPConnection conn, Exception e) {
        synchronized (lock) {
            // Not ours any more, not yet logged in (connect reports that itself), or already
            // reconnecting (the attempt in progress handles its own failure).
            if (closed || conn != connection || !initialized || reconnect != null) {
                return;
            }
        }
        String condition = condition(e);
        if (recoverable(e)) {
            context.log().info("xmpp connection lost ({}); reconnecting", e.toString());
            push(connectStatus("Connection lost: " + describe(e) + ". Attempting automatic reconnection...", "reconnecting", "network"));
            synchronized (lock) {
                attempts = 0;
                schedule(conn);
            }
        } else {
            fail(conn, e, condition);
        }
    }

    private void fail(XMPPTCPConnection conn, Exception e, String condition) {
        context.log().info("xmpp connection failed ({}); not reconnecting", e.toString());
        synchronized (lock) {
            if (connection != conn) {
                return;
            }
            connection = null;
            initialized = false;
            if (reconnect != null) {
                reconnect.cancel(false);
                reconnect = null;
            }
            rooms.clear();
            occupants.clear();
        }
        conn.disconnect();
        push(connectStatus("Connection failed: " + describe(e) + ". Manual reconnection required.", "failed", condition));
        ObjectNode error = NODES.objectNode();
        error.put("type", "error");
        error.set("actor", Incoming.entity(actorId, "person"));
        error.put("error", describe(e));
        error.putObject("object").put("type", "message").put("condition", condition);
        push(error);
    }

    /** Must hold {@link #lock}. */
    private void schedule(XMPPTCPConnection conn) {
        long initial = Math.max(10, context.config().path("reconnectInitialDelayMs").asLong(1000));
        long max = Math.max(initial, context.config().path("reconnectMaxDelayMs").asLong(30000));
        long delay = Math.min(max, initial << Math.min(attempts, 20));
        attempts++;
        reconnect = TIMERS.schedule(() -> ATTEMPTS.execute(() -> attempt(conn)), delay, TimeUnit.MILLISECONDS);
    }

    private void attempt(XMPPTCPConnection conn) {
        try {
            synchronized (lock) {
                if (closed || conn != connection) {
                    return;
                }
            }
            try {
                withBundleLoader(() -> {
                    if (!conn.isConnected()) {
                        conn.connect();
                    }
                    if (!conn.isAuthenticated()) {
                        conn.login();
                    }
                    return null;
                });
            } catch (SASLErrorException e) {
                fail(conn, e, "not-authorized");
                return;
            } catch (Exception e) {
                context.log().info("xmpp reconnect attempt failed: {}", e.toString());
                try {
                    conn.disconnect();
                } catch (RuntimeException ignored) {
                    // already closed
                }
                synchronized (lock) {
                    if (!closed && conn == connection) {
                        schedule(conn);
                    }
                }
                return;
            }
            synchronized (lock) {
                if (closed || conn != connection) {
                    conn.disconnect(); // cleaned up or replaced while this attempt ran
                    return;
                }
                attempts = 0;
                reconnect = null;
            }
            Presence presence = lastPresence;
            if (presence != null) {
                conn.sendStanza(presence);
            }
            for (Map.Entry<String, String> room : new ArrayList<>(rooms.entrySet())) {
                occupants.put(room.getKey(), java.util.Collections.synchronizedSet(new LinkedHashSet<>()));
                conn.sendStanza(Outgoing.join(room.getKey(), room.getValue()));
            }
            push(connectStatus(null, "connected", "reconnected"));
        } catch (Exception | LinkageError e) {
            context.log().warn("xmpp reconnect: {}", e.toString());
        }
    }

    private ObjectNode connectStatus(String error, String status, String condition) {
        ObjectNode out = NODES.objectNode();
        out.put("type", "connect");
        out.set("actor", Incoming.entity(actorId, "person"));
        if (error != null) {
            out.put("error", error);
        }
        out.putObject("object").put("type", "connect").put("status", status).put("condition", condition);
        return out;
    }

    private void push(ObjectNode activity) {
        try {
            context.sendToClient(activity);
        } catch (RuntimeException e) {
            context.log().warn("xmpp: cannot push to clients: {}", e.toString());
        }
    }

    /** A one-line description of why a connection ended. */
    static String describe(Exception e) {
        if (e instanceof XMPPException.StreamErrorException) {
            StreamError error = ((XMPPException.StreamErrorException) e).getStreamError();
            String text = error.getDescriptiveText();
            return "stream error " + error.getCondition() + (text == null || text.isEmpty() ? "" : " (" + text + ")");
        }
        if (e instanceof SASLErrorException) {
            return message(e);
        }
        String text = e.getMessage();
        return e.getClass().getSimpleName() + (text == null ? "" : ": " + text.lines().findFirst().orElse(""));
    }

    static boolean recoverable(Exception e) {
        if (e instanceof XMPPException.StreamErrorException) {
            StreamError.Condition c = ((XMPPException.StreamErrorException) e).getStreamError().getCondition();
            return c == StreamError.Condition.system_shutdown || c == StreamError.Condition.connection_timeout
                    || c == StreamError.Condition.reset || c == StreamError.Condition.remote_connection_failed
                    || c == StreamError.Condition.internal_server_error || c == StreamError.Condition.see_other_host;
        }
        return !(e instanceof SASLErrorException);
    }

    static String condition(Exception e) {
        if (e instanceof XMPPException.StreamErrorException) {
            return ((XMPPException.StreamErrorException) e).getStreamError().getCondition().toString();
        }
        if (e instanceof SASLErrorException) {
            return "not-authorized";
        }
        return "protocol";
    }

    // ----- verbs --------------------------------------------------------------------------

    /** The connection, or {@code null} after failing the job with {@code not connected}. */
    private XMPPTCPConnection connected(Job job) {
        XMPPTCPConnection conn = connection;
        if (conn == null || !conn.isAuthenticated()) {
            job.fail("not connected");
            return null;
        }
        return conn;
    }

    private boolean sendOrFail(Job job, XMPPTCPConnection conn, Stanza stanza) {
        try {
            conn.sendStanza(stanza);
            return true;
        } catch (SmackException.NotConnectedException e) {
            job.fail("not connected");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.fail(e);
        }
        return false;
    }

    @Verb
    public void join(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn == null) {
            return;
        }
        String room = Outgoing.roomBare(job.activity());
        String nick = Outgoing.nick(job.activity(), account.username());
        occupants.put(room, java.util.Collections.synchronizedSet(new LinkedHashSet<>()));
        rooms.put(room, nick);
        if (sendOrFail(job, conn, Outgoing.join(room, nick))) {
            job.complete();
        } else {
            rooms.remove(room);
            occupants.remove(room);
        }
    }

    @Verb
    public void leave(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn == null) {
            return;
        }
        String room = Outgoing.roomBare(job.activity());
        String nick = rooms.getOrDefault(room, Outgoing.nick(job.activity(), account.username()));
        if (sendOrFail(job, conn, Outgoing.leave(room, nick))) {
            rooms.remove(room);
            occupants.remove(room);
            job.complete();
        }
    }

    @Verb
    public void send(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn != null && sendOrFail(job, conn, Outgoing.send(job.activity()))) {
            job.complete();
        }
    }

    @Verb
    public void update(Job job) {
        JsonNode object = job.activity().path("object");
        String type = object.path("type").asText("");
        if (!type.equals("presence")) {
            if (connected(job) != null) {
                job.fail("unknown update object type: " + type);
            }
            return;
        }
        XMPPTCPConnection conn = connected(job);
        if (conn == null) {
            return;
        }
        Presence presence = Outgoing.presence(object);
        if (sendOrFail(job, conn, presence)) {
            lastPresence = presence;
            job.complete();
        }
    }

    @Verb("request-friend")
    public void requestFriend(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn != null && sendOrFail(job, conn, Outgoing.subscription(Presence.Type.subscribe, target(job)))) {
            job.complete();
        }
    }

    /** Approves the target's subscription request, and asks for theirs unless we already see their presence. */
    @Verb("make-friend")
    public void makeFriend(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn == null || !sendOrFail(job, conn, Outgoing.subscription(Presence.Type.subscribed, target(job)))) {
            return;
        }
        boolean seesThem = false;
        try {
            RosterEntry entry = Roster.getInstanceFor(conn).getEntry(Outgoing.jid(Outgoing.bare(target(job))).asBareJid());
            seesThem = entry != null && entry.canSeeHisPresence();
        } catch (RuntimeException e) {
            context.log().debug("xmpp roster lookup: {}", e.toString());
        }
        if (seesThem || sendOrFail(job, conn, Outgoing.subscription(Presence.Type.subscribe, target(job)))) {
            job.complete();
        }
    }

    /** Stops seeing the target's presence and revokes theirs. */
    @Verb("remove-friend")
    public void removeFriend(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn != null && sendOrFail(job, conn, Outgoing.subscription(Presence.Type.unsubscribe, target(job)))
                && sendOrFail(job, conn, Outgoing.subscription(Presence.Type.unsubscribed, target(job)))) {
            job.complete();
        }
    }

    private static String target(Job job) {
        String id = job.activity().path("target").path("id").asText("");
        if (id.isEmpty()) {
            throw new IllegalArgumentException(job.type() + " needs a target.id");
        }
        return id;
    }

    @Verb
    public void query(Job job) {
        XMPPTCPConnection conn = connected(job);
        if (conn == null) {
            return;
        }
        boolean roomInfo = "room-info".equals(job.activity().path("object").path("type").asText());
        if (sendOrFail(job, conn, Outgoing.query(roomInfo, target(job)))) {
            job.complete();
        }
    }

    @Verb
    public void disconnect(Job job) {
        cleanup();
        job.complete();
    }
}
