package org.sockethub.platform.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sockethub.api.testkit.RecordingContext;
import org.sockethub.api.testkit.RecordingJob;

/** The verbs against a scripted server (spec §3.11): what is written, and when each job completes. */
class IrcInstanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode config = JSON.createObjectNode().put("linesPerSecond", 200).put("burstLines", 50)
            .put("connectTimeoutMs", 5000);
    private final RecordingContext context = new RecordingContext("irc", "alice@127.0.0.1", config);
    private final List<ObjectNode> pushes = context.pushes();
    private final List<ObjectNode> renames = context.renames();
    private final IrcInstance irc = new IrcInstance(context);
    private FakeIrcServer server;

    @AfterEach
    void stop() throws Exception {
        irc.cleanup();
        if (server != null) {
            server.close();
        }
    }

    private ObjectNode creds(String nick, String extra) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"type":"credentials","actor":{"id":"%s@127.0.0.1","type":"person","name":"%s"},
                 "object":{"type":"credentials","nick":"%s","server":"127.0.0.1","port":%d,"secure":false%s}}"""
                .formatted(nick, nick, nick, server.port(), extra));
    }

    private String verb(String json) throws Exception {
        return run(json, null);
    }

    /** Runs a verb and waits for its outcome: "ok" or the error text. */
    private String run(String json, ObjectNode credentials) throws Exception {
        RecordingJob job = RecordingJob.of((ObjectNode) JSON.readTree(json), credentials);
        String type = job.type();
        switch (type) {
            case "connect" -> irc.connect(job);
            case "join" -> irc.join(job);
            case "leave" -> irc.leave(job);
            case "send" -> irc.send(job);
            case "update" -> irc.update(job);
            case "query" -> irc.query(job);
            case "disconnect" -> irc.disconnect(job);
            default -> irc.announce(job);
        }
        job.await(Duration.ofSeconds(10));
        return job.error() == null ? "ok" : job.error();
    }

    private void connectAlice(String extra) throws Exception {
        server = server == null ? new FakeIrcServer() : server;
        assertEquals("ok", run("{\"type\":\"connect\",\"actor\":{\"id\":\"alice@127.0.0.1\",\"type\":\"person\",\"name\":\"alice\"}}",
                creds("alice", extra)));
        assertTrue(irc.isInitialized());
    }

    private static final String ALICE = "\"actor\":{\"id\":\"alice@127.0.0.1\",\"type\":\"person\",\"name\":\"alice\"}";
    private static final String ROOM = "\"target\":{\"type\":\"room\",\"id\":\"irc.example.com/a-room\",\"name\":\"#a-room\"}";

    @Test
    void connectsRegistersAndDeliversTheMotd() throws Exception {
        connectAlice("");
        assertNotNull(server.next("USER alice 8 * :alice", 1000));
        ObjectNode motd = context.awaitPush(p -> true, Duration.ofSeconds(5));
        assertEquals("topic", motd.path("object").path("type").asText());
        assertEquals("- hello from the fake server", motd.path("object").path("content").asText());
    }

    @Test
    void aServerPasswordIsSentAsPass() throws Exception {
        connectAlice(",\"password\":\"letmein\",\"sasl\":false");
        assertNotNull(server.next("PASS letmein", 1000));
    }

    @Test
    void saslPlainAuthenticatesBeforeRegistration() throws Exception {
        server = new FakeIrcServer();
        server.caps = "sasl=PLAIN multi-prefix";
        connectAlice(",\"username\":\"jimmy\",\"password\":\"passw0rd\"");
        List<String> lines = server.drain(300);
        assertEquals(1, lines.stream().filter(l -> l.equals("AUTHENTICATE amltbXkAamltbXkAcGFzc3cwcmQ=")).count(),
                "the payload is sent once: " + lines);
    }

    @Test
    void oauthBearerSendsTheBearerPayload() throws Exception {
        server = new FakeIrcServer();
        server.caps = "sasl=PLAIN,OAUTHBEARER";
        server.saslPassword = "integration-test-token";
        connectAlice(",\"token\":\"integration-test-token\",\"saslMechanism\":\"OAUTHBEARER\"");
        List<String> lines = server.drain(300);
        assertTrue(lines.contains("AUTHENTICATE OAUTHBEARER"), lines.toString());
        assertTrue(lines.contains("AUTHENTICATE " + java.util.Base64.getEncoder().encodeToString(
                "n,,\u0001auth=Bearer integration-test-token\u0001\u0001".getBytes(java.nio.charset.StandardCharsets.UTF_8))), lines.toString());
    }

    @Test
    void aWrongSaslPasswordFailsTheConnect() throws Exception {
        server = new FakeIrcServer();
        server.caps = "sasl=PLAIN";
        String outcome = run("{\"type\":\"connect\"," + ALICE + "}", creds("alice", ",\"username\":\"jimmy\",\"password\":\"nope\""));
        assertEquals("unable to connect to server: sasl authentication failed", outcome);
        assertFalse(irc.isInitialized());
    }

    @Test
    void saslWithoutServerSupportFails() throws Exception {
        server = new FakeIrcServer();
        String outcome = run("{\"type\":\"connect\"," + ALICE + "}", creds("alice", ",\"password\":\"pw\""));
        assertEquals("unable to connect to server: missing required capabilities", outcome);
    }

    @Test
    void aNickInUseFailsTheConnect() throws Exception {
        server = new FakeIrcServer();
        String outcome = run("{\"type\":\"connect\",\"actor\":{\"id\":\"taken@127.0.0.1\",\"type\":\"person\"}}", creds("taken", ""));
        assertEquals("unable to connect to server: nicknames unavailable", outcome);
        assertFalse(irc.isInitialized());
    }

    @Test
    void crOrLfInRegistrationValuesIsRefusedBeforeConnecting() throws Exception {
        server = new FakeIrcServer();
        String outcome = run("{\"type\":\"connect\"," + ALICE + "}", creds("alice", ",\"username\":\"a\\r\\nQUIT\""));
        assertEquals(IrcInstance.CRLF_ERROR, outcome);
        Thread.sleep(200);
        assertFalse(server.accepted());
    }

    @Test
    void verbsBeforeConnectFail() throws Exception {
        assertEquals(IrcInstance.NO_CLIENT, verb("{\"type\":\"join\"," + ALICE + "," + ROOM + "}"));
    }

    @Test
    void joinCompletesOnTheServersAnswerAndIsRemembered() throws Exception {
        connectAlice("");
        server.drain(300);
        assertEquals("ok", verb("{\"type\":\"join\"," + ALICE + "," + ROOM + "}"));
        List<String> lines = server.drain(300);
        assertEquals("JOIN #a-room", lines.get(0));
        assertTrue(lines.get(1).startsWith("PING sh-"));
        assertEquals("ok", verb("{\"type\":\"join\"," + ALICE + "," + ROOM + "}"));
        assertEquals(List.of(), server.drain(300), "already joined: nothing written");
        assertTrue(pushes.stream().noneMatch(p -> p.path("type").asText().equals("join")), "own join echo not pushed");
        assertTrue(pushes.stream().anyMatch(p -> p.path("actor").path("name").asText().equals("other")
                && p.path("object").path("type").asText().equals("presence")), "the other member is pushed");
        assertTrue(pushes.stream().noneMatch(p -> p.path("actor").path("name").asText().equals("alice")
                && p.path("object").path("type").asText().equals("presence")), "own presence left out");
    }

    @Test
    void aRefusedJoinIsAnErrorAndNotRemembered() throws Exception {
        connectAlice("");
        String outcome = verb("{\"type\":\"join\"," + ALICE + ",\"target\":{\"type\":\"room\",\"id\":\"x\",\"name\":\"#inviteonly\"}}");
        assertEquals("Cannot join channel (+i)", outcome);
        assertEquals("cannot send message to a channel of which you've not first joined.",
                verb("{\"type\":\"send\"," + ALICE + ",\"target\":{\"type\":\"room\",\"id\":\"x\",\"name\":\"#inviteonly\"},"
                        + "\"object\":{\"type\":\"message\",\"content\":\"hi\"}}"));
    }

    @Test
    void sendWritesPrivmsgAndRefusesLineBreaks() throws Exception {
        connectAlice("");
        verb("{\"type\":\"join\"," + ALICE + "," + ROOM + "}");
        server.drain(300);
        assertEquals("ok", verb("{\"type\":\"send\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"message\",\"content\":\"  hello  \"}}"));
        assertEquals("PRIVMSG #a-room :hello", server.drain(300).get(0));
        assertEquals(IrcInstance.CRLF_ERROR,
                verb("{\"type\":\"send\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"message\",\"content\":\"hello\\nJOIN #other\"}}"));
        assertEquals(List.of(), server.drain(300));
        assertEquals("cannot send message with no object.content", verb("{\"type\":\"send\"," + ALICE + "," + ROOM + "}"));
    }

    @Test
    void meIsAnActionCompletedAtOnce() throws Exception {
        connectAlice("");
        verb("{\"type\":\"join\"," + ALICE + "," + ROOM + "}");
        server.drain(300);
        assertEquals("ok", verb("{\"type\":\"send\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"message\",\"content\":\"/me waves\"}}"));
        assertEquals(List.of("PRIVMSG #a-room :\u0001ACTION waves\u0001"), server.drain(300));
        assertEquals("ok", verb("{\"type\":\"send\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"message\",\"content\":\"hi /me waves\"}}"));
        assertEquals("PRIVMSG #a-room :hi /me waves", server.drain(300).get(0), "only a leading /me is a command");
    }

    @Test
    void attendanceWritesExactlyNames() throws Exception {
        connectAlice("");
        server.drain(300);
        assertEquals("ok", verb("{\"type\":\"query\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"attendance\"}}"));
        assertEquals(List.of("NAMES #a-room"), server.drain(300));
        assertEquals("ok", verb("{\"type\":\"query\"," + ALICE + ",\"target\":{\"type\":\"room\",\"id\":\"irc.example.com/#a-room\"},\"object\":{\"type\":\"attendance\"}}"));
        assertEquals(List.of("NAMES #a-room"), server.drain(300));
        assertEquals("cannot query attendance without a valid channel name",
                verb("{\"type\":\"query\"," + ALICE + ",\"target\":{\"type\":\"room\",\"id\":\"irc.example.com/\"},\"object\":{\"type\":\"attendance\"}}"));
        assertEquals(IrcInstance.CRLF_ERROR,
                verb("{\"type\":\"query\"," + ALICE + ",\"target\":{\"type\":\"room\",\"id\":\"x\",\"name\":\"#a\\rb\"},\"object\":{\"type\":\"attendance\"}}"));
        assertEquals(List.of(), server.drain(300));
        assertEquals("unknown 'type' 'topic'", verb("{\"type\":\"query\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"topic\"}}"));
    }

    @Test
    void topicIsSentWholeAndErrorsFailTheJob() throws Exception {
        connectAlice("");
        server.drain(300);
        assertEquals("ok", verb("{\"type\":\"update\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"topic\",\"content\":\"a :b c\"}}"));
        assertEquals("TOPIC #a-room :a :b c", server.drain(300).get(0));
        assertEquals("You're not a channel operator", verb("{\"type\":\"update\"," + ALICE
                + ",\"target\":{\"type\":\"room\",\"id\":\"x\",\"name\":\"#notop\"},\"object\":{\"type\":\"topic\",\"content\":\"t\"}}"));
        assertEquals("unknown update action: presence", verb("{\"type\":\"update\"," + ALICE + "," + ROOM + ",\"object\":{\"type\":\"presence\"}}"));
    }

    @Test
    void nickChangeRenamesTheActorAndAClashIsAnError() throws Exception {
        connectAlice("");
        ObjectNode c = creds("alice", "");
        String newNick = "{\"type\":\"update\"," + ALICE + ",\"target\":{\"type\":\"person\",\"id\":\"x\",\"name\":\"%s\"},\"object\":{\"type\":\"address\"}}";
        assertEquals("Nickname is already in use.", run(newNick.formatted("taken"), c));
        assertTrue(renames.isEmpty());
        assertEquals("ok", run(newNick.formatted("alice2"), c));
        assertEquals(1, renames.size());
        assertEquals("alice2@127.0.0.1", renames.get(0).path("actor").path("id").asText());
        assertEquals("alice2", renames.get(0).path("object").path("nick").asText());
        assertTrue(pushes.stream().noneMatch(p -> p.path("object").path("type").asText().equals("address")), "own nick echo not pushed");
    }

    @Test
    void otherPeoplesEventsArePushedAndStrayErrorsToo() throws Exception {
        server = new FakeIrcServer();
        server.caps = "server-time";
        connectAlice("");
        server.send("@time=2024-05-01T10:00:00.000Z :bob!b@h PRIVMSG #a-room :hello there");
        server.send(":srv 404 alice #a-room :Cannot send to channel");
        ObjectNode msg = context.awaitPush(p -> p.path("type").asText().equals("send"), Duration.ofSeconds(5));
        assertEquals("hello there", msg.path("object").path("content").asText());
        assertEquals("bob@127.0.0.1", msg.path("actor").path("id").asText());
        assertEquals("2024-05-01T10:00:00.000Z", msg.path("published").asText(), "IRCv3 server-time");
        ObjectNode error = context.awaitPush(p -> p.has("error"), Duration.ofSeconds(5));
        assertEquals("Cannot send to channel", error.path("error").asText());
    }

    @Test
    void disconnectAndCleanupUninitialize() throws Exception {
        connectAlice("");
        assertEquals("ok", verb("{\"type\":\"disconnect\"," + ALICE + "}"));
        assertFalse(irc.isInitialized());
        assertEquals("platform method announce not available", verb("{\"type\":\"announce\"," + ALICE + "}"));
    }
}
