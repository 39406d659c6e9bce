package org.sockethub.platform.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.engio.mbassy.listener.Handler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.event.abstractbase.ClientReceiveServerMessageEventBase;
import org.kitteh.irc.client.library.event.client.ClientReceiveCommandEvent;
import org.kitteh.irc.client.library.event.client.ClientReceiveNumericEvent;

/**
 * The irc2as test vectors of spec §3.10 (server name {@code localhost}), one row per raw line or
 * group of lines. Each line goes through the IRC library's own line parser (a Kitteh client that
 * never connects, fed with {@code processLine}) into the translator, exactly as on a live
 * connection. {@code published} is checked to be a string and compared only where the row gives it.
 */
class Irc2AsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Client client;
    private static Feed feed;

    /** Collects the translator's output for the lines fed to the library. */
    public static final class Feed {
        Irc2As translator = new Irc2As("localhost");
        final List<Irc2As.Out> outs = new ArrayList<>();
        CountDownLatch done;

        @Handler
        public void command(ClientReceiveCommandEvent e) {
            on(e);
        }

        @Handler
        public void numeric(ClientReceiveNumericEvent e) {
            on(e);
        }

        private void on(ClientReceiveServerMessageEventBase e) {
            if (e.getCommand().equals("SENTINEL")) {
                done.countDown();
                return;
            }
            outs.addAll(translator.translate(e.getActor().getName(), e.getCommand(), e.getParameters()));
        }
    }

    @BeforeAll
    static void start() {
        client = Client.builder().nick("hyper_slvrbckt").server().host("localhost").then()
                .listeners().exception(e -> { }).then()
                .management().eventListeners(List.of()).then()
                .build();
        feed = new Feed();
        client.getEventManager().registerEventListener(feed);
    }

    @AfterAll
    static void stop() {
        try {
            client.shutdown();
        } catch (RuntimeException ignored) {
            // never connected
        }
    }

    /** Feeds lines through the library with a fresh translator; returns what came out. */
    static List<Irc2As.Out> run(String... lines) throws InterruptedException {
        feed.translator = new Irc2As("localhost");
        feed.outs.clear();
        feed.done = new CountDownLatch(1);
        Client.WithManagement managed = (Client.WithManagement) client;
        for (String line : lines) {
            managed.processLine(line);
        }
        managed.processLine(":localhost SENTINEL");
        assertTrue(feed.done.await(5, TimeUnit.SECONDS), "the library processed the lines");
        return new ArrayList<>(feed.outs);
    }

    static Arguments row(String expectedJson, String... lines) {
        return Arguments.of(String.join(" | ", lines), lines, expectedJson);
    }

    static Stream<Arguments> vectors() {
        return Stream.of(
                // 1. lines producing nothing
                row("[]", ":hitchcock.freenode.net 376 hyper_slvrbckt :End of /MOTD command."),
                row("[]", ":adams.freenode.net 352 hyper_slvrbckt * ~undefined 75-140-253-250.dhcp.ftwo.tx.charter.com livingstone.freenode.net undefined H :0 undefined"),
                row("[]", ":bob MODE hyper_slvrbckt :+i"),
                row("[]", ":weber.freenode.net 333 hyper_slvrbckt #kosmos-random lio17!~lio17@ns350827.ip-37-187-174.eu 1516730003"),
                row("[]", ":hitchcock.freenode.net 315 hyper_slvrbckt undefined :End of /WHO list.",
                        ":hitchcock.freenode.net 366 hyper_slvrbckt #kosmos-random :End of /NAMES list.",
                        ":verne.freenode.net 255 hyper_slvrbckt :I have 4681 clients and 3 servers",
                        ":verne.freenode.net 265 hyper_slvrbckt 4681 7978 :Current local users 4681, max 7978",
                        ":verne.freenode.net 266 hyper_slvrbckt 89501 97718 :Current global users 89501, max 97718",
                        ":verne.freenode.net 250 hyper_slvrbckt :Highest connection count: 7980 (7978 clients) (4267730 connections received)",
                        ":verne.freenode.net 375 hyper_slvrbckt :- verne.freenode.net Message of the Day -",
                        ":leguin.freenode.net 254 hyper_slvrbckt 50699 :channels formed",
                        ":tungsten.libera.chat 324 myuser #kosmos-random +Cnst",
                        ":tungsten.libera.chat 329 myuser #kosmos-random 1642793393"),
                // 2. MOTD
                row("""
                        [{"type":"update","actor":{"type":"service","id":"localhost","name":"localhost"},"object":{"type":"topic","content":"- on the https://freenode.live website for our call for volunteers and call for - participation. If you are interested in sponsoring next year's event, please - send us an e-mail to sponsor@freenode.live - - Thank you for using freenode! - -"}}]""",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :- on the https://freenode.live website for our call for volunteers and call for",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :- participation. If you are interested in sponsoring next year's event, please",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :- send us an e-mail to sponsor@freenode.live",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :-",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :- Thank you for using freenode!",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :-",
                        ":hitchcock.freenode.net 372 hyper_slvrbckt :-",
                        ":hitchcock.freenode.net 376 hyper_slvrbckt :End of /MOTD command."),
                row("""
                        [{"type":"update","actor":{"type":"service","id":"localhost","name":"localhost"},"object":{"type":"topic","content":"- -"}}]""",
                        ":adams.freenode.net 372 hyper_slvrbckt :-", ":adams.freenode.net 372 hyper_slvrbckt :-",
                        ":adams.freenode.net 376 hyper_slvrbckt :End of /MOTD command."),
                // 3. NAMES
                row("""
                        [{"type":"update","actor":{"type":"person","id":"hyper_slvrbckt@localhost","name":"hyper_slvrbckt"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"member"}},
                         {"type":"update","actor":{"type":"person","id":"gregkare@localhost","name":"gregkare"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"member"}},
                         {"type":"update","actor":{"type":"person","id":"hal8000@localhost","name":"hal8000"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"member"}}]""",
                        ":hitchcock.freenode.net 353 hyper_slvrbckt @ #kosmos-random :hyper_slvrbckt gregkare hal8000"),
                // 4. WHO
                row("""
                        [{"type":"update","actor":{"type":"person","id":"hyper_slvrbckt@localhost","name":"hyper_slvrbckt"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"member"}}]""",
                        ":hitchcock.freenode.net 352 hyper_slvrbckt #kosmos-random ~hyper_slv 154.65.34.210 hitchcock.freenode.net hyper_slvrbckt H :0 hyper_slvrbckt"),
                // 5. WHOX
                row("""
                        [{"type":"update","actor":{"type":"person","id":"slvrbckt@localhost","name":"slvrbckt"},"target":{"type":"room","id":"localhost/#kosmos","name":"#kosmos"},"object":{"type":"presence","role":"member"}}]""",
                        ":leguin.freenode.net 354 slvrbckt 152 #kosmos ~slvtbckt cell01228.qcell.gm leguin.freenode.net slvrbckt H slvrbckt :realname"),
                row("""
                        [{"type":"update","actor":{"type":"person","id":"M-silverbucket@localhost","name":"M-silverbucket"},"target":{"type":"room","id":"localhost/#kosmos","name":"#kosmos"},"object":{"type":"presence","role":"member"}}]""",
                        ":leguin.freenode.net 354 slvrbckt 152 #kosmos silverbuck gateway/shell/matrix.org/x-kwavgootllgoshlq sinisalo.freenode.net M-silverbucket H 0 :@silverbucket:matrix.org"),
                // deviation (documented): the H@ flags of an operator give role owner, not member
                row("""
                        [{"type":"update","actor":{"type":"person","id":"ChanServ@localhost","name":"ChanServ"},"target":{"type":"room","id":"localhost/#kosmos","name":"#kosmos"},"object":{"type":"presence","role":"owner"}}]""",
                        ":leguin.freenode.net 354 slvrbckt 152 #kosmos ChanServ services. services. ChanServ H@ 0 :Channel Services"),
                // 6. MODE
                row("""
                        [{"type":"add","actor":{"type":"person","id":"alice@localhost","name":"alice"},"target":{"type":"person","id":"Kilroy@localhost","name":"Kilroy"},"object":{"type":"relationship","relationship":"role","subject":{"type":"presence","role":"owner"},"object":{"type":"room","id":"localhost/#Finnish","name":"#Finnish"}}}]""",
                        ":alice MODE #Finnish +o Kilroy"),
                row("""
                        [{"type":"add","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"person","id":"alice@localhost","name":"alice"},"object":{"type":"relationship","relationship":"role","subject":{"type":"presence","role":"participant"},"object":{"type":"room","id":"localhost/#room_a","name":"#room_a"}}}]""",
                        ":bob MODE #room_a +v alice"),
                row("""
                        [{"type":"add","actor":{"type":"person","id":"alice@localhost","name":"alice"},"target":{"type":"person","id":"bob@localhost","name":"bob"},"object":{"type":"relationship","relationship":"role","subject":{"type":"presence","role":"admin"},"object":{"type":"room","id":"localhost/#room_b","name":"#room_b"}}}]""",
                        ":alice MODE #room_b +h bob"),
                row("""
                        [{"type":"remove","actor":{"type":"person","id":"alice@localhost","name":"alice"},"target":{"type":"person","id":"bob@localhost","name":"bob"},"object":{"type":"relationship","relationship":"role","subject":{"type":"presence","role":"participant"},"object":{"type":"room","id":"localhost/#chan","name":"#chan"}}}]""",
                        ":alice!a@h MODE #chan -v bob"),
                // 7. QUIT
                row("""
                        [{"type":"leave","actor":{"type":"person","id":"jarlaxl_@localhost","name":"jarlaxl_"},"target":{"type":"service","id":"localhost"},"object":{"type":"message","content":"user has quit"}}]""",
                        ":jarlaxl_!~jarlaxl@user123.intek.cz QUIT :Client Quit"),
                // 8. 403
                row("""
                        [{"type":"join","actor":{"id":"localhost","type":"service"},"error":"no such channel sdfsdfsdfsdfsdf","target":{"id":"sdfsdfsdfsdfsdf@localhost","type":"person"}}]""",
                        ":karatkievich.freenode.net 403 slvrbckt sdfsdfsdfsdfsdf :No such channel"),
                // 9. PART (both forms)
                row("""
                        [{"type":"leave","actor":{"type":"person","id":"slvrbckt@localhost","name":"slvrbckt"},"target":{"type":"room","id":"localhost/#debian","name":"#debian"},"object":{"type":"message","content":"user has left the channel"}}]""",
                        ":slvrbckt!~slvtbckt@154.65.34.210 PART #debian :\"Leaving\""),
                row("""
                        [{"type":"leave","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"message","content":"user has left the channel"}}]""",
                        ":bob!b@h PART :#chan"),
                // 10. NICK (with and without colon)
                row("""
                        [{"type":"update","actor":{"type":"person","id":"slvrbckt@localhost","name":"slvrbckt"},"target":{"type":"person","id":"donkey2018@localhost","name":"donkey2018"},"object":{"type":"address"}},
                         {"type":"update","actor":{"type":"person","id":"donkey2018@localhost","name":"donkey2018"},"target":{"type":"person","id":"slvrbckt@localhost","name":"slvrbckt"},"object":{"type":"address"}}]""",
                        ":slvrbckt!~slvtbckt@154.65.34.210 NICK :donkey2018", ":donkey2018!~slvtbckt@154.65.34.210 NICK slvrbckt"),
                row("""
                        [{"type":"update","actor":{"type":"person","id":"sh-WjwOE@localhost","name":"sh-WjwOE"},"target":{"type":"person","id":"woooo@localhost","name":"woooo"},"object":{"type":"address"}}]""",
                        ":sh-WjwOE!~sh-WjwOE@194.228.76.203 NICK :woooo"),
                // 11. 433
                row("""
                        [{"type":"update","actor":{"type":"person","id":"nkj@localhost","name":"nkj"},"target":{"type":"service","id":"localhost"},"error":"Nickname is already in use."}]""",
                        ":karatkievich.freenode.net 433 slvrbckt nkj :Nickname is already in use."),
                row("""
                        [{"type":"update","actor":{"type":"person","id":"slvrbckt@localhost","name":"slvrbckt"},"target":{"type":"service","id":"localhost"},"error":"Nickname is already in use."}]""",
                        ":wilhelm.freenode.net 433 sh-4a3LB slvrbckt :Nickname is already in use."),
                // 12. PRIVMSG (a second " :" stays in the text)
                row("""
                        [{"type":"send","actor":{"type":"person","id":"hyper_slvrbckt@localhost","name":"hyper_slvrbckt"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"message","content":"-ssssssss"}}]""",
                        ":hyper_slvrbckt!~hyper_slv@154.65.34.210 PRIVMSG #kosmos-random :-ssssssss"),
                row("""
                        [{"type":"send","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"room","id":"localhost/#c","name":"#c"},"object":{"type":"message","content":"hello :world"}}]""",
                        ":bob!b@h PRIVMSG #c :hello :world"),
                // 13. TOPIC (a " :" inside the topic is kept)
                row("""
                        [{"type":"update","actor":{"type":"person","id":"lio17@localhost","name":"lio17"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"topic","content":"testing123"}}]""",
                        ":lio17!~lio17@ns350827.ip-37-187-174.eu TOPIC #kosmos-random :testing123"),
                row("""
                        [{"type":"update","actor":{"type":"person","id":"lio17@localhost","name":"lio17"},"target":{"type":"room","id":"localhost/#k","name":"#k"},"object":{"type":"topic","content":"a :b c"}}]""",
                        ":lio17!~lio17@h TOPIC #k :a :b c"),
                // 14. 482
                row("""
                        [{"type":"update","actor":{"type":"person","id":"slvrbckt@localhost"},"target":{"type":"room","id":"localhost/#kosmos-random"},"error":"You're not a channel operator"}]""",
                        ":card.freenode.net 482 slvrbckt #kosmos-random :You're not a channel operator"),
                // 15. 332 + 333
                row("""
                        [{"type":"update","actor":{"type":"person","id":"lio17@localhost","name":"lio17"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"topic","content":"no longer boating in senegal"},"published":"2018-01-23T17:53:23.000Z"}]""",
                        ":weber.freenode.net 332 hyper_slvrbckt #kosmos-random :no longer boating in senegal",
                        ":weber.freenode.net 333 hyper_slvrbckt #kosmos-random lio17!~lio17@ns350827.ip-37-187-174.eu 1516730003"),
                row("""
                        [{"type":"update","actor":{"type":"person","id":"setter@localhost","name":"setter"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"topic","content":"the topic"},"published":"2023-11-14T22:13:20.000Z"}]""",
                        ":srv 332 me #chan :the topic", ":srv 333 me #chan setter!u@h 1700000000"),
                // 16. ACTION, with and without identify-msg marker; private ACTION
                row("""
                        [{"type":"send","actor":{"type":"person","id":"raucao@localhost","name":"raucao"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"me","content":"is thinking about sending someone to get b33rz"}}]""",
                        ":raucao!~raucao@5.148.180.93 PRIVMSG #kosmos-random :+\u0001ACTION is thinking about sending someone to get b33rz\u0001"),
                row("""
                        [{"type":"send","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"room","id":"localhost/#c","name":"#c"},"object":{"type":"me","content":"waves"}}]""",
                        ":bob!b@h PRIVMSG #c :\u0001ACTION waves\u0001"),
                row("""
                        [{"type":"send","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"person","id":"localhost/me","name":"me"},"object":{"type":"me","content":"waves"}}]""",
                        ":bob!b@h PRIVMSG me :+\u0001ACTION waves\u0001"),
                row("[]", ":bob!b@h PRIVMSG me :\u0001VERSION\u0001"),
                // 17. 473, 474
                row("""
                        [{"type":"update","target":{"type":"room","id":"localhost/#freenode-sponsors"},"actor":{"type":"person","id":"hyper_slvrbckt@localhost"},"error":"Cannot join channel (+i) - you must be invited"}]""",
                        ":moon.freenode.net 473 hyper_slvrbckt #freenode-sponsors :Cannot join channel (+i) - you must be invited"),
                row("""
                        [{"type":"update","target":{"type":"room","id":"localhost/#chan"},"actor":{"type":"person","id":"me@localhost"},"error":"Cannot join channel (+b)"}]""",
                        ":srv 474 me #chan :Cannot join channel (+b)"),
                // 18. NOTICE from services
                row("""
                        [{"type":"send","actor":{"type":"service","id":"localhost"},"object":{"type":"message","content":"This nickname is registered. Please choose a different nickname, or identify via /msg NickServ identify <password>."},"target":{"type":"person","id":"boo@localhost","name":"boo"}}]""",
                        ":NickServ!NickServ@services. NOTICE boo :This nickname is registered. Please choose a different nickname, or identify via /msg NickServ identify <password>."),
                row("""
                        [{"type":"send","actor":{"type":"service","id":"localhost"},"object":{"type":"message","content":"Last login from: ~slvrbckt@localhost on Feb 09 18:45:19 2022 +0000."},"target":{"type":"person","id":"slvrbckt@localhost","name":"slvrbckt"}}]""",
                        ":SaslServ!SaslServ@services.libera.chat NOTICE slvrbckt :Last login from: ~slvrbckt@localhost on Feb 09 18:45:19 2022 +0000."),
                // 19. 437 (nick) and InspIRCd's 437 on a topic change (channel)
                row("""
                        [{"type":"update","target":{"type":"service","id":"localhost"},"error":"Nick/channel is temporarily unavailable","actor":{"type":"person","id":"boo@localhost","name":"boo"}}]""",
                        ":asimov.freenode.net 437 sh-mhJLD boo :Nick/channel is temporarily unavailable"),
                row("""
                        [{"type":"update","target":{"type":"room","id":"localhost/#chan"},"error":"Retry topic change later","actor":{"type":"person","id":"me@localhost"}}]""",
                        ":irc.test 437 me #chan :Retry topic change later"),
                // 20. JOIN: extended-join and colon forms
                row("""
                        [{"type":"join","actor":{"type":"person","id":"myuser@localhost","name":"myuser"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"}}]""",
                        ":myuser!~myuser@2a02:8308:7080:4100:41fa:f0ec:594e:771f JOIN #kosmos-random slvrbckt :myuser"),
                row("""
                        [{"type":"join","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"}}]""",
                        ":bob!b@h JOIN :#chan"),
                // 21. NAMES with prefixes (ours: + is participant, ~ owner, & admin; multi-prefix; userhost-in-names)
                row("""
                        [{"type":"update","actor":{"type":"person","id":"myuser@localhost","name":"myuser"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"member"}},
                         {"type":"update","actor":{"type":"person","id":"botka@localhost","name":"botka"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"owner"}},
                         {"type":"update","actor":{"type":"person","id":"foouser@localhost","name":"foouser"},"target":{"type":"room","id":"localhost/#kosmos-random","name":"#kosmos-random"},"object":{"type":"presence","role":"member"}}]""",
                        ":tungsten.libera.chat 353 myuser @ #kosmos-random :myuser @botka foouser"),
                row("""
                        [{"type":"update","actor":{"type":"person","id":"op@localhost","name":"op"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"owner"}},
                         {"type":"update","actor":{"type":"person","id":"half@localhost","name":"half"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"admin"}},
                         {"type":"update","actor":{"type":"person","id":"voice@localhost","name":"voice"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"participant"}},
                         {"type":"update","actor":{"type":"person","id":"star@localhost","name":"star"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"participant"}},
                         {"type":"update","actor":{"type":"person","id":"plain@localhost","name":"plain"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"member"}},
                         {"type":"update","actor":{"type":"person","id":"founder@localhost","name":"founder"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"owner"}},
                         {"type":"update","actor":{"type":"person","id":"prot@localhost","name":"prot"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"admin"}},
                         {"type":"update","actor":{"type":"person","id":"both@localhost","name":"both"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"owner"}},
                         {"type":"update","actor":{"type":"person","id":"uh@localhost","name":"uh"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"presence","role":"participant"}}]""",
                        ":srv 353 me = #chan :@op %half +voice *star  plain ~founder &prot @+both +uh!u@h.example"),
                // new: KICK, 404, 401
                row("""
                        [{"type":"leave","actor":{"type":"person","id":"bob@localhost","name":"bob"},"target":{"type":"room","id":"localhost/#chan","name":"#chan"},"object":{"type":"message","content":"user was kicked by alice: spam"}}]""",
                        ":alice!a@h KICK #chan bob :spam"),
                row("""
                        [{"type":"send","actor":{"type":"person","id":"me@localhost"},"target":{"type":"room","id":"localhost/#chan"},"error":"Cannot send to channel"}]""",
                        ":srv 404 me #chan :Cannot send to channel"),
                row("""
                        [{"type":"send","actor":{"type":"person","id":"me@localhost"},"target":{"type":"person","id":"ghost@localhost","name":"ghost"},"error":"No such nick/channel"}]""",
                        ":srv 401 me ghost :No such nick/channel"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void translates(String name, String[] lines, String expectedJson) throws Exception {
        List<Irc2As.Out> outs = run(lines);
        ArrayNode expected = (ArrayNode) JSON.readTree(expectedJson);
        ArrayNode actual = JSON.createArrayNode();
        for (Irc2As.Out out : outs) {
            ObjectNode a = out.activity().deepCopy();
            assertEquals(IrcPlatform.contexts(), a.remove("@context"), "canonical @context");
            JsonNode published = a.get("published");
            assertTrue(published != null && published.isTextual(), "published is a string");
            a.remove("published");
            actual.add(a);
        }
        for (int i = 0; i < expected.size(); i++) {
            ObjectNode e = (ObjectNode) expected.get(i);
            JsonNode published = e.remove("published");
            if (published != null) {
                assertEquals(published, outs.get(i).activity().get("published"));
            }
        }
        assertEquals(expected, actual);
        boolean errors = expected.size() > 0 && expected.get(0).has("error");
        for (Irc2As.Out out : outs) {
            assertEquals(errors ? Irc2As.Kind.ERROR : Irc2As.Kind.INCOMING, out.kind());
        }
    }

    @Test
    void pongCarriesItsToken() throws Exception {
        List<Irc2As.Out> outs = run(":karatkievich.freenode.net PONG karatkievich.freenode.net :LAG1516614421150",
                ":irc.test PONG irc.test :sh-42");
        assertEquals(2, outs.size());
        assertEquals(Irc2As.Kind.PONG, outs.get(0).kind());
        assertEquals("LAG1516614421150", outs.get(0).token());
        assertEquals("sh-42", outs.get(1).token());
    }

    @Test
    void pingIsAnsweredByTheLibraryAndTranslatedWhenSeen() throws Exception {
        assertEquals(List.of(), run("PING :moon.freenode.net"), "Kitteh answers PING itself");
        List<Irc2As.Out> direct = new Irc2As("localhost").translate("", "PING", List.of("moon.freenode.net"));
        assertEquals(Irc2As.Kind.PING, direct.get(0).kind());
        assertEquals("moon.freenode.net", direct.get(0).token());
    }

    @Test
    void fiveLongNamesRepliesGiveEveryName() throws Exception {
        String[] lines = new String[5];
        for (int l = 0; l < 5; l++) {
            StringBuilder names = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                names.append(i == 0 ? "" : " ").append(i % 7 == 0 ? "@" : "").append("u").append(l).append('_').append(i);
            }
            lines[l] = ":srv 353 me = #big :" + names;
        }
        List<Irc2As.Out> outs = run(lines);
        assertEquals(2500, outs.size());
    }
}
