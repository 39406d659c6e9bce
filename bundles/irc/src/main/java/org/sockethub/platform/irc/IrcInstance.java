package org.sockethub.platform.irc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.listener.DefaultListeners;
import org.kitteh.irc.client.library.element.MessageTag;
import org.kitteh.irc.client.library.event.abstractbase.ClientReceiveServerMessageEventBase;
import org.kitteh.irc.client.library.event.client.ClientNegotiationCompleteEvent;
import org.kitteh.irc.client.library.event.client.ClientReceiveCommandEvent;
import org.kitteh.irc.client.library.event.client.ClientReceiveNumericEvent;
import org.kitteh.irc.client.library.event.connection.ClientConnectionEndedEvent;
import org.kitteh.irc.client.library.event.connection.ClientConnectionFailedEvent;
import org.kitteh.irc.client.library.feature.EventListenerSupplier;
import org.slf4j.Logger;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/**
 * One IRC connection (spec §3.3–§3.9). Jobs arrive one at a time; server lines arrive on the IRC
 * library's input thread. A job that needs the server's word is completed by a {@code PING
 * sh-<n>} token sent after its command: any error reply about the job's channel or nick that
 * arrives before the matching {@code PONG} fails it, otherwise the {@code PONG} completes it.
 * Every other server error becomes an error activity pushed to the client; nothing a server sends
 * can take the worker down.
 */
public class IrcInstance implements PlatformInstance {

    static final String CRLF_ERROR = "IRC values must not contain CR or LF characters";
    static final String NO_CLIENT = "no client found, and no credentials specified. you must connect first";

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "irc-timer");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong TOKENS = new AtomicLong();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final PlatformContext context;
    private final Logger log;
    private final Object lock = new Object();

    private Session session;
    private Pending pending;
    private volatile boolean initialized;

    public IrcInstance(PlatformContext context) {
        this.context = context;
        this.log = context.log();
    }

    @Override
    public boolean isInitialized() {
        return initialized;
    }

    @Override
    public void cleanup() {
        close("Sockethub disconnect");
    }

    // ------------------------------------------------------------------------------------ verbs
    // join, leave, send, update and query queue their lines for Kitteh's sender thread (PacedSender,
    // an unbounded queue) and complete at once or from the server's answer, and announce fails at
    // once: they never wait, so they are declared nonBlocking and run where the worker received the
    // job. connect (name resolution and the connection) and disconnect (the client's shutdown) keep
    // a job thread.

    @Verb
    public void connect(Job job) {
        ObjectNode creds = job.credentials().orElse(null);
        if (creds == null) {
            job.fail("credentials not found");
            return;
        }
        synchronized (lock) {
            if (session != null && !session.closed) {
                job.complete(); // another session of the same actor attaches to this connection
                return;
            }
        }
        JsonNode o = creds.path("object");
        String nick = o.path("nick").asText();
        String username = o.path("username").asText(nick);
        String realname = creds.path("actor").path("name").asText(nick);
        if (hasCrLf(nick) || hasCrLf(username) || hasCrLf(realname)) {
            job.fail(CRLF_ERROR);
            return;
        }
        String server = o.path("server").asText();
        boolean secure = o.path("secure").asBoolean(true);
        int port = o.path("port").asInt(secure ? 6697 : 6667);
        String password = o.hasNonNull("password") ? o.get("password").asText() : null;
        String token = o.hasNonNull("token") ? o.get("token").asText() : null;
        String secret = password != null ? password : token;
        boolean sasl = o.path("sasl").asBoolean(secret != null);
        String mechanism = o.path("saslMechanism").asText(Sasl.PLAIN);

        Session s = new Session(server, nick, sasl && secret != null);
        s.connectJob = job;
        try {
            Client.Builder.Server sb = Client.builder()
                    .name("irc-" + nick)
                    .nick(nick)
                    .user(username)
                    .realName(realname)
                    .server().host(server).port(port, secure ? Client.Builder.Server.SecurityType.SECURE
                            : Client.Builder.Server.SecurityType.INSECURE);
            if (secure && o.path("allowInvalidCert").asBoolean(false)) {
                sb.secureTrustManagerFactory(InsecureTrustManagerFactory.INSTANCE);
            }
            if (!s.saslWanted && password != null) {
                sb.password(password); // server password (PASS)
            }
            List<EventListenerSupplier> defaults = new ArrayList<>();
            for (DefaultListeners l : DefaultListeners.values()) {
                if (l != DefaultListeners.NICK_REJECTED) { // no automatic "nick`" retries: §3.3
                    defaults.add(l);
                }
            }
            Client client = sb.then()
                    .listeners().exception(e -> log.debug("irc library: {}", e.toString())).then()
                    .management().eventListeners(defaults)
                    .messageSendingQueueSupplier(PacedSender.supplier(
                            context.config().path("linesPerSecond").asDouble(2),
                            context.config().path("burstLines").asInt(5))).then()
                    .build();
            s.client = client;
            if (s.saslWanted) {
                client.getAuthManager().addProtocol(new Sasl(client, mechanism, username, secret));
            }
            client.getEventManager().registerEventListener(s);
            synchronized (lock) {
                session = s;
            }
            long timeoutMs = context.config().path("connectTimeoutMs").asLong(30000);
            s.registrationTimeout = TIMER.schedule(() -> failRegistration(s, "connection timeout to server."),
                    timeoutMs, TimeUnit.MILLISECONDS);
            client.connect();
        } catch (RuntimeException e) {
            log.debug("irc connect failed", e);
            failRegistration(s, "unable to connect to server: " + e.getMessage());
        }
    }

    @Verb(nonBlocking = true)
    public void join(Job job) {
        Session s = live(job);
        if (s == null) {
            return;
        }
        String channel = job.activity().path("target").path("name").asText("");
        if (hasCrLf(job.activity().path("actor").path("name").asText("")) || hasCrLf(channel)) {
            job.fail(CRLF_ERROR);
            return;
        }
        if (channel.isEmpty()) {
            job.fail("cannot join without a channel name (target.name)");
            return;
        }
        synchronized (lock) {
            if (s.joined.contains(channel)) {
                job.complete();
                return;
            }
        }
        expect(s, job, "join", channel, List.of("JOIN " + channel));
    }

    @Verb(nonBlocking = true)
    public void leave(Job job) {
        Session s = live(job);
        if (s == null) {
            return;
        }
        String channel = job.activity().path("target").path("name").asText("");
        if (hasCrLf(channel)) {
            job.fail(CRLF_ERROR);
            return;
        }
        synchronized (lock) {
            s.joined.remove(channel);
        }
        s.client.sendRawLine("PART " + channel);
        job.complete();
    }

    @Verb(nonBlocking = true)
    public void send(Job job) {
        Session s = live(job);
        if (s == null) {
            return;
        }
        ObjectNode a = job.activity();
        String target = a.path("target").path("name").asText("");
        JsonNode contentNode = a.path("object").path("content");
        if (!contentNode.isTextual()) {
            job.fail("cannot send message with no object.content");
            return;
        }
        String content = contentNode.asText();
        if (hasCrLf(a.path("actor").path("name").asText("")) || hasCrLf(target) || hasCrLf(content)) {
            job.fail(CRLF_ERROR);
            return;
        }
        if (target.isEmpty()) {
            job.fail("cannot send message without a target.name");
            return;
        }
        String trimmed = content.trim();
        if (trimmed.startsWith("/")) {
            int space = trimmed.indexOf(' ');
            String command = (space < 0 ? trimmed.substring(1) : trimmed.substring(1, space)).toLowerCase(Locale.ROOT);
            String rest = space < 0 ? "" : trimmed.substring(space + 1).trim();
            if (command.equals("me")) {
                // no echo, nothing to wait for: complete at once (spec §3.5)
                for (String piece : LineSplitter.split(rest, budget(s, target) - 9)) {
                    s.client.sendRawLine("PRIVMSG " + target + " :\u0001ACTION " + piece + "\u0001");
                }
                job.complete();
                return;
            }
            if (command.equals("notice")) {
                List<String> lines = new ArrayList<>();
                for (String piece : LineSplitter.split(rest, budget(s, target))) {
                    lines.add("NOTICE " + target + " :" + piece);
                }
                expect(s, job, "send", target, lines);
                return;
            }
        }
        if (trimmed.isEmpty()) {
            job.fail("cannot send an empty message");
            return;
        }
        synchronized (lock) {
            if (Irc2As.isChannel(target) && !s.joined.contains(target)) {
                job.fail("cannot send message to a channel of which you've not first joined.");
                return;
            }
        }
        List<String> lines = new ArrayList<>();
        for (String piece : LineSplitter.split(trimmed, budget(s, target))) {
            lines.add("PRIVMSG " + target + " :" + piece);
        }
        expect(s, job, "send", target, lines);
    }

    @Verb(nonBlocking = true)
    public void update(Job job) {
        ObjectNode a = job.activity();
        String kind = a.path("object").path("type").asText("");
        if (!kind.equals("address") && !kind.equals("topic")) {
            job.fail("unknown update action: " + kind);
            return;
        }
        Session s = live(job);
        if (s == null) {
            return;
        }
        String target = a.path("target").path("name").asText("");
        if (hasCrLf(target) || hasCrLf(a.path("actor").path("name").asText(""))) {
            job.fail(CRLF_ERROR);
            return;
        }
        if (target.isEmpty()) {
            job.fail("cannot update without a target.name");
            return;
        }
        if (kind.equals("address")) {
            expect(s, job, "nick", target, List.of("NICK " + target));
        } else {
            String topic = a.path("object").path("content").asText("");
            if (hasCrLf(topic)) {
                job.fail(CRLF_ERROR);
                return;
            }
            expect(s, job, "topic", target, List.of("TOPIC " + target + " :" + topic));
        }
    }

    @Verb(nonBlocking = true)
    public void query(Job job) {
        ObjectNode a = job.activity();
        String kind = a.path("object").path("type").asText("");
        if (!kind.equals("attendance")) {
            job.fail("unknown 'type' '" + kind + "'");
            return;
        }
        String name = a.path("target").path("name").asText("");
        String channel = null;
        if (name.startsWith("#")) {
            channel = name;
        } else {
            String id = a.path("target").path("id").asText("");
            int slash = id.indexOf('/');
            if (slash >= 0 && id.substring(slash + 1).startsWith("#")) {
                channel = id.substring(slash + 1);
            }
        }
        if (hasCrLf(name) || (channel != null && hasCrLf(channel))) {
            job.fail(CRLF_ERROR);
            return;
        }
        if (channel == null) {
            job.fail("cannot query attendance without a valid channel name");
            return;
        }
        Session s = live(job);
        if (s == null) {
            return;
        }
        s.client.sendRawLine("NAMES " + channel); // results arrive as presence updates
        job.complete();
    }

    @Verb
    public void disconnect(Job job) {
        close("Sockethub disconnect");
        job.complete();
    }

    @Verb(nonBlocking = true)
    public void announce(Job job) {
        job.fail("platform method announce not available");
    }

    // ------------------------------------------------------------------------------ job matching

    /** One job waiting for the server: its lines were sent, then {@code PING <token>}. */
    private static final class Pending {
        final Job job;
        final String verb;
        final String subject;
        final String token;
        boolean echoed;
        String error;
        ScheduledFuture<?> timeout;

        Pending(Job job, String verb, String subject, String token) {
            this.job = job;
            this.verb = verb;
            this.subject = subject;
            this.token = token;
        }
    }

    private void expect(Session s, Job job, String verb, String subject, List<String> lines) {
        Pending p = new Pending(job, verb, subject, "sh-" + TOKENS.incrementAndGet());
        synchronized (lock) {
            if (pending != null) { // cannot happen with serial jobs; never leave one hanging
                Pending old = pending;
                pending = null;
                old.timeout.cancel(false);
                old.job.fail("superseded by a later job");
            }
            pending = p;
            long ms = context.config().path("commandTimeoutMs").asLong(20000);
            p.timeout = TIMER.schedule(() -> {
                synchronized (lock) {
                    if (pending != p) {
                        return;
                    }
                    pending = null;
                }
                p.job.fail("timed out waiting for the server to answer");
            }, ms, TimeUnit.MILLISECONDS);
        }
        for (String line : lines) {
            s.client.sendRawLine(line);
        }
        s.client.sendRawLine("PING " + p.token);
    }

    private void resolve(Session s, Pending p) {
        p.timeout.cancel(false);
        if (p.error != null) {
            p.job.fail(p.error);
            return;
        }
        switch (p.verb) {
            case "join" -> {
                synchronized (lock) {
                    s.joined.add(p.subject);
                }
                p.job.complete();
            }
            case "nick" -> {
                if (!p.echoed) {
                    if (p.subject.equalsIgnoreCase(s.nick)) {
                        p.job.complete();
                    } else {
                        p.job.fail("nickname change was not confirmed by the server");
                    }
                    return;
                }
                s.client.setNick(p.subject); // reconnects register with the new nick
                ObjectNode creds = p.job.credentials().map(ObjectNode::deepCopy).orElse(F.objectNode());
                ObjectNode object = creds.with("object");
                object.put("nick", p.subject);
                ObjectNode actor = creds.with("actor");
                actor.put("id", p.subject + "@" + s.server);
                actor.put("name", p.subject);
                actor.put("type", actor.path("type").asText("person"));
                context.updateActor(creds).whenComplete((ok, err) -> {
                    if (err != null) {
                        p.job.fail(err);
                    } else {
                        p.job.complete();
                    }
                });
            }
            default -> p.job.complete();
        }
    }

    /** Whether an error activity is about what the pending job asked for. */
    private static boolean concerns(Pending p, ObjectNode error, String server) {
        String subject = p.subject.toLowerCase(Locale.ROOT);
        String targetId = error.path("target").path("id").asText("").toLowerCase(Locale.ROOT);
        String targetType = error.path("target").path("type").asText("");
        String actorName = error.path("actor").path("name").asText("").toLowerCase(Locale.ROOT);
        String prefix = server.toLowerCase(Locale.ROOT);
        boolean aboutRoom = targetType.equals("room") && targetId.equals(prefix + "/" + subject);
        boolean aboutName = targetType.equals("person") && targetId.equals(subject + "@" + prefix);
        return switch (p.verb) {
            case "nick" -> targetType.equals("service") && actorName.equals(subject);
            case "join", "topic" -> aboutRoom || aboutName;
            case "send" -> aboutRoom || aboutName;
            default -> false;
        };
    }

    // ---------------------------------------------------------------------------- connection

    /** One connection attempt and its library client; events of a replaced session are ignored. */
    public final class Session {
        final String server;
        final boolean saslWanted;
        final Irc2As translator;
        final Set<String> joined = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        Client client;
        volatile String nick;
        Job connectJob;
        ScheduledFuture<?> registrationTimeout;
        boolean saslOk;
        boolean registered;
        boolean everRegistered;
        boolean motdDelivered;
        volatile boolean closed;
        int backoffMs;

        Session(String server, String nick, boolean saslWanted) {
            this.server = server;
            this.nick = nick;
            this.saslWanted = saslWanted;
            this.translator = new Irc2As(server);
            this.backoffMs = reconnectDelay();
        }

        @Handler
        public void onCommand(ClientReceiveCommandEvent event) {
            onLine(this, event);
        }

        @Handler
        public void onNumeric(ClientReceiveNumericEvent event) {
            onLine(this, event);
        }

        @Handler
        public void onReady(ClientNegotiationCompleteEvent event) {
            registered(this);
        }

        @Handler
        public void onEnded(ClientConnectionEndedEvent event) {
            ended(this, event);
        }
    }

    private int reconnectDelay() {
        return Math.max(50, context.config().path("reconnectDelayMs").asInt(1000));
    }

    private void onLine(Session s, ClientReceiveServerMessageEventBase event) {
        if (s.closed) {
            return;
        }
        try {
            String command = event.getCommand();
            List<String> params = event.getParameters();
            if (!s.registered) {
                registering(s, command, params);
                return;
            }
            if (command.equals("352") || command.equals("354")) {
                return; // answers to the library's own WHO after a join: NAMES already told the client
            }
            String source = event.getActor().getName();
            String serverTime = serverTime(event);
            for (Irc2As.Out out : s.translator.translate(source, command, params)) {
                if (serverTime != null && out.activity() != null && !command.equals("333")) {
                    out.activity().put("published", serverTime); // IRCv3 server-time: when it was said
                }
                handle(s, out);
            }
        } catch (RuntimeException e) {
            log.warn("irc: could not handle a server line: {}", e.toString());
        }
    }

    private static String serverTime(ClientReceiveServerMessageEventBase event) {
        for (MessageTag tag : event.getServerMessage().getTags()) {
            if (tag instanceof MessageTag.Time time) {
                return Irc2As.iso(time.getTime());
            }
        }
        return null;
    }

    private void registering(Session s, String command, List<String> params) {
        switch (command) {
            case "001" -> {
                if (!params.isEmpty()) {
                    s.nick = params.get(0);
                }
            }
            case "903" -> s.saslOk = true;
            case "902", "904", "905", "906", "907" -> failRegistration(s, "unable to connect to server: sasl authentication failed");
            case "431", "432", "433", "436", "437", "484" -> {
                if (s.everRegistered) {
                    s.client.reconnect("nickname unavailable"); // try again later with the same nick
                } else {
                    failRegistration(s, "unable to connect to server: nicknames unavailable");
                }
            }
            case "464" -> failRegistration(s, "unable to connect to server: bad password");
            case "465" -> failRegistration(s, "unable to connect to server: banned");
            default -> {
                // registration chatter
            }
        }
    }

    private void registered(Session s) {
        Job job;
        ObjectNode push = null;
        synchronized (lock) {
            if (s.closed) {
                return;
            }
            if (s.saslWanted && !s.saslOk) {
                job = null; // a 904 fails the job earlier; getting here means the server offered no SASL
            } else {
                job = s.connectJob;
                s.connectJob = null;
                s.registered = true;
                boolean reconnected = s.everRegistered;
                s.everRegistered = true;
                s.backoffMs = reconnectDelay();
                if (s.registrationTimeout != null) {
                    s.registrationTimeout.cancel(false);
                }
                initialized = true;
                if (reconnected) {
                    List<String> rejoin = new ArrayList<>(s.joined);
                    for (String channel : rejoin) {
                        s.client.sendRawLine("JOIN " + channel);
                    }
                    push = connectionState(s, "connected", "reconnected to " + s.server
                            + (rejoin.isEmpty() ? "" : ", rejoining " + String.join(" ", rejoin)));
                }
            }
        }
        if (!s.registered) {
            failRegistration(s, "unable to connect to server: missing required capabilities");
            return;
        }
        if (job != null) {
            job.complete();
        }
        if (push != null) {
            context.sendToClient(push);
        }
    }

    private void ended(Session s, ClientConnectionEndedEvent event) {
        Pending lost = null;
        ObjectNode push = null;
        synchronized (lock) {
            if (s.closed) {
                event.setAttemptReconnect(false);
                return;
            }
            if (!s.everRegistered) {
                event.setAttemptReconnect(false);
            } else {
                int delay = s.backoffMs;
                s.backoffMs = Math.min(Math.max(delay, context.config().path("reconnectMaxDelayMs").asInt(60000)),
                        delay * 2);
                event.setAttemptReconnect(true);
                event.setReconnectionDelay(delay);
                boolean wasRegistered = s.registered;
                s.registered = false;
                if (wasRegistered) {
                    lost = pending;
                    pending = null;
                    push = connectionState(s, "disconnected", "connection to " + s.server
                            + " lost, reconnecting in " + Math.max(1, Math.round(delay / 1000.0)) + " s");
                }
                log.info("irc: connection to {} ended; reconnecting in {} ms", s.server, delay);
            }
        }
        if (push != null) {
            context.sendToClient(push);
        }
        if (lost != null) {
            lost.timeout.cancel(false);
            lost.job.fail("connection to server lost");
        }
        if (!s.everRegistered) {
            failRegistration(s, event instanceof ClientConnectionFailedEvent ? "error connecting to server."
                    : "connection to server closed.");
        }
    }

    private void failRegistration(Session s, String reason) {
        Job job;
        synchronized (lock) {
            if (s.everRegistered || s.closed) {
                return; // reconnects are the library's; a closed session's job was answered by close()
            }
            job = s.connectJob;
            s.connectJob = null;
            s.closed = true;
            if (session == s) {
                session = null;
                initialized = false;
            }
            if (s.registrationTimeout != null) {
                s.registrationTimeout.cancel(false);
            }
        }
        if (job != null) {
            job.fail(reason);
        }
        shutdown(s, null);
    }

    private void close(String reason) {
        Session s;
        Pending p;
        Job connecting = null;
        synchronized (lock) {
            s = session;
            session = null;
            initialized = false;
            p = pending;
            pending = null;
            if (s != null) {
                s.closed = true;
                connecting = s.connectJob;
                s.connectJob = null;
                if (s.registrationTimeout != null) {
                    s.registrationTimeout.cancel(false);
                }
            }
        }
        if (p != null) {
            p.timeout.cancel(false);
            p.job.fail("disconnected");
        }
        if (connecting != null) {
            connecting.fail("connection to server closed.");
        }
        if (s != null) {
            shutdown(s, reason);
        }
    }

    private void shutdown(Session s, String reason) {
        Client c = s.client;
        if (c == null) {
            return;
        }
        TIMER.execute(() -> {
            try {
                if (reason == null) {
                    c.shutdown();
                } else {
                    c.shutdown(reason);
                }
            } catch (RuntimeException e) {
                log.debug("irc shutdown: {}", e.toString());
            }
            stopEventBus(c);
        });
    }

    /**
     * Stops the client's event bus. Kitteh's event manager stops its MBassador bus (two
     * dispatcher threads, {@code MsgDispatcher-N}) only when a connection ends with no reconnect
     * possible; a client shut down after its connection had already ended with one possible (the
     * server went away, then the instance was cleaned up) kept its threads for the life of the
     * worker: the soak (bench/soak.mjs) saw two more per such instance. Kitteh gives no handle on
     * the bus, so it is reached through the default event manager's field; shutting a bus down
     * twice is harmless.
     */
    private void stopEventBus(Client c) {
        try {
            if (c.getEventManager() instanceof org.kitteh.irc.client.library.defaults.feature.DefaultEventManager manager) {
                java.lang.reflect.Field bus = manager.getClass().getDeclaredField("bus");
                bus.setAccessible(true);
                ((net.engio.mbassy.bus.MBassador<?>) bus.get(manager)).shutdown();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("irc event bus: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------------- incoming events

    private void handle(Session s, Irc2As.Out out) {
        Pending done = null;
        ObjectNode push = null;
        synchronized (lock) {
            switch (out.kind()) {
                case PONG -> {
                    if (pending != null && pending.token.equals(out.token())) {
                        done = pending;
                        pending = null;
                    }
                }
                case ERROR -> {
                    if (pending != null && concerns(pending, out.activity(), s.server)) {
                        if (pending.error == null) {
                            pending.error = out.activity().path("error").asText();
                        }
                    } else {
                        push = out.activity(); // an error nobody asked about: tell the client
                    }
                }
                case INCOMING -> {
                    if (!own(s, out.activity())) {
                        push = out.activity();
                    }
                }
                default -> {
                    // PING is answered by the library
                }
            }
        }
        if (push != null) {
            context.sendToClient(push);
        }
        if (done != null) {
            resolve(s, done);
        }
    }

    /** Handles our own echoes (never forwarded, except being kicked); true if not to forward. */
    private boolean own(Session s, ObjectNode a) {
        JsonNode actor = a.path("actor");
        String type = a.path("type").asText();
        String objectType = a.path("object").path("type").asText();
        if (actor.path("type").asText().equals("service")) {
            if (objectType.equals("topic")) { // the MOTD: once per connect, not again on reconnects
                if (s.motdDelivered) {
                    return true;
                }
                s.motdDelivered = true;
            }
            return false;
        }
        if (!actor.path("name").asText().equalsIgnoreCase(s.nick)) {
            return false;
        }
        String targetName = a.path("target").path("name").asText();
        switch (type) {
            case "join" -> {
                if (pending != null && pending.verb.equals("join") && pending.subject.equalsIgnoreCase(targetName)) {
                    pending.echoed = true;
                }
                s.joined.add(targetName);
                return true;
            }
            case "leave" -> {
                s.joined.remove(targetName);
                return !a.path("object").path("content").asText().startsWith("user was kicked");
            }
            case "update" -> {
                if (objectType.equals("address")) {
                    s.nick = targetName;
                    if (pending != null && pending.verb.equals("nick") && pending.subject.equalsIgnoreCase(targetName)) {
                        pending.echoed = true;
                    }
                    return true;
                }
                if (objectType.equals("topic")) {
                    return pending != null && pending.verb.equals("topic") && pending.subject.equalsIgnoreCase(targetName);
                }
                return objectType.equals("presence");
            }
            case "send" -> {
                return true; // echo-message copies of our own messages
            }
            default -> {
                return false;
            }
        }
    }

    private ObjectNode connectionState(Session s, String status, String content) {
        ObjectNode a = F.objectNode();
        a.set("@context", IrcPlatform.contexts());
        a.put("type", "update");
        a.set("actor", s.translator.service(true));
        a.set("target", s.translator.person(s.nick));
        a.set("object", F.objectNode().put("type", "connection").put("status", status).put("content", content));
        a.put("published", Irc2As.now());
        return a;
    }

    // ------------------------------------------------------------------------------- helpers

    /** The connected session for a verb, or null after failing the job. */
    private Session live(Job job) {
        synchronized (lock) {
            if (session == null || session.closed) {
                job.fail(NO_CLIENT);
                return null;
            }
            if (!session.registered) {
                job.fail("not connected to server: reconnecting");
                return null;
            }
            return session;
        }
    }

    /** UTF-8 bytes of text that fit one line to {@code target}, leaving room for the relay prefix. */
    private static int budget(Session s, String target) {
        int overhead = LineSplitter.utf8("PRIVMSG " + target + " :") + LineSplitter.utf8(s.nick) + 80;
        return 510 - overhead;
    }

    static boolean hasCrLf(String value) {
        return value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0);
    }
}
