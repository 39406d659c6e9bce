// The xmpp platform (issue 5, spec/platforms.md §4) through the real gateway and a real worker JVM
// (Smack embedded in the platform bundle, running in the worker's Felix), against Prosody started
// on a free loopback port by e2e/lib/xmpp-peer.mjs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { connect, contextFor, next, request, serverForTests } from "../lib/harness.mjs";
import { makeCertificate, rawClient, startProsody } from "../lib/xmpp-peer.mjs";

const XMPP = contextFor("xmpp");
const ROOM = "lobby@conference.localhost";
const certificate = makeCertificate();
const server = serverForTests({
  config: {
    jobs: { timeoutMs: 15000 },
    packageConfig: { xmpp: { reconnectInitialDelayMs: 250, reconnectMaxDelayMs: 1000, trustedCertificates: certificate.cert } },
  },
});

const USERS = { alice: "alicepw", bob: "bobpw", carol: "carolpw", dave: "davepw", erin: "erinpw", frank: "frankpw", gina: "ginapw", henry: "henrypw", ivy: "ivypw", kim: "kimpw", lou: "loupw" };
let prosody;
let secure;
before(async () => {
  await server.ready;
  prosody = await startProsody({ users: USERS });
  secure = await startProsody({ users: { tess: "tesspw" }, certificate });
});
const open = [];
after(async () => {
  open.forEach((s) => s.close());
  await prosody?.stop();
  await secure?.stop();
  rmSync(certificate.dir, { recursive: true, force: true });
});

const person = (id) => ({ id, type: "person" });
const creds = (user, extra = {}, peer = prosody) => ({
  "@context": XMPP, type: "credentials", actor: person(`${user}@localhost`),
  object: { type: "credentials", userAddress: `${user}@localhost`, password: USERS[user] ?? "tesspw", resource: "SockethubTest",
    server: `xmpp://127.0.0.1:${peer.port}`, ...extra },
});
const verb = (type, user, extra = {}) => ({ "@context": XMPP, type, actor: { id: `${user}@localhost`, type: "person" }, ...extra });

/** A socket with every pushed message recorded, so tests can wait for ones that already arrived. */
async function client() {
  const socket = await connect(server.host.url, ["websocket"]);
  socket.seen = [];
  socket.on("message", (m) => socket.seen.push(m));
  open.push(socket);
  return socket;
}
function seen(socket, filter, timeoutMs = 10_000) {
  const already = socket.seen.find(filter);
  return already ? Promise.resolve(already) : next(socket, "message", filter, timeoutMs);
}
async function connected(user, extra, peer) {
  const socket = await client();
  assert.equal((await request(socket, "credentials", creds(user, extra, peer))).error, undefined);
  const ack = await request(socket, "message", verb("connect", user), 15_000);
  assert.equal(ack.error, undefined, JSON.stringify(ack));
  return socket;
}
async function ok(socket, activity) {
  const ack = await request(socket, "message", activity, 15_000);
  assert.equal(ack.error, undefined, JSON.stringify(ack));
  return ack;
}
const say = (user, to, content, object = {}) => verb("send", user, { target: person(to), object: { type: "message", content, ...object } });

describe("xmpp", () => {
  it("connect acks with the request; a wrong password is a clear error", async () => {
    const socket = await client();
    await request(socket, "credentials", creds("alice", { password: "wrong" }));
    const ack = await request(socket, "message", verb("connect", "alice"), 15_000);
    assert.match(ack.error, /^connection failed: .*not-authorized.*\(service: xmpp:\/\/127\.0\.0\.1:\d+\)$/);
    assert.deepEqual(ack["@context"], XMPP);
  });

  it("two users chat directly both ways, with a correction and chat states", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    const ack = await ok(alice, say("alice", "bob@localhost", "hi bob", { id: "m-1" }));
    assert.equal(ack.object.content, "hi bob");
    const heard = await seen(bob, (m) => m.type === "send" && m.object?.content === "hi bob");
    assert.equal(heard.actor.id, "alice@localhost/SockethubTest");
    assert.equal(heard.actor.type, "person");
    assert.deepEqual(heard.target, person("bob@localhost"));
    assert.equal(heard.object.id, "m-1");
    assert.deepEqual(heard["@context"], XMPP);

    await ok(bob, say("bob", "alice@localhost/SockethubTest", "hi alice"));
    assert.equal((await seen(alice, (m) => m.type === "send" && m.object?.content === "hi alice")).actor.id, "bob@localhost/SockethubTest");

    await ok(alice, say("alice", "bob@localhost", "hi bobby", { id: "m-2", "xmpp:replace": { id: "m-1" } }));
    const corrected = await seen(bob, (m) => m.object?.content === "hi bobby");
    assert.deepEqual(corrected.object["xmpp:replace"], { id: "m-1" });

    const henry = await rawClient(prosody.port, "henry", USERS.henry);
    henry.send("<message to='bob@localhost' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
    henry.send("<message to='bob@localhost' type='chat'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>");
    const composing = await seen(bob, (m) => m.object?.type === "chat-state" && m.object.state === "composing");
    assert.deepEqual(composing.actor, person("henry@localhost/raw"));
    assert.equal(composing.type, "update");
    await seen(bob, (m) => m.object?.type === "chat-state" && m.object.state === "paused");
    await henry.close();
  });

  it("both join a room and see each other's presence and messages; attendance and room info", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    const join = verb("join", "alice", { actor: { id: "alice@localhost", type: "person", name: "Alice" }, target: { id: ROOM, type: "room" } });
    assert.deepEqual((await ok(alice, join)).target, { id: ROOM, type: "room" });
    await seen(alice, (m) => m.type === "update" && m.actor?.id === `${ROOM}/Alice`);
    await ok(bob, verb("join", "bob", { actor: { id: "bob@localhost", type: "person", name: "Bob" }, target: { id: ROOM, type: "room" } }));
    const bobArrives = await seen(alice, (m) => m.type === "update" && m.actor?.id === `${ROOM}/Bob`);
    assert.equal(bobArrives.actor.type, "room");
    assert.equal(bobArrives.object.presence, "online");
    await seen(bob, (m) => m.type === "update" && m.actor?.id === `${ROOM}/Alice`);

    await ok(alice, verb("send", "alice", { target: { id: ROOM, type: "room" }, object: { type: "message", content: "hello room" } }));
    for (const socket of [alice, bob]) {
      const got = await seen(socket, (m) => m.type === "send" && m.object?.content === "hello room");
      assert.deepEqual(got.actor, { type: "person", id: `${ROOM}/Alice`, name: "Alice" });
      assert.deepEqual(got.target, { type: "room", id: ROOM });
    }

    await ok(bob, verb("query", "bob", { target: { id: ROOM, type: "room" }, object: { type: "attendance" } }));
    const attendance = await seen(bob, (m) => m.type === "query" && m.object?.type === "attendance");
    assert.deepEqual([...attendance.object.members].sort(), ["Alice", "Bob"]);
    await ok(bob, verb("query", "bob", { target: { id: ROOM, type: "room" }, object: { type: "room-info" } }));
    const info = await seen(bob, (m) => m.type === "query" && m.object?.type === "room-info");
    assert.ok(info.object.features.includes("http://jabber.org/protocol/muc"), JSON.stringify(info));

    await ok(bob, verb("leave", "bob", { actor: { id: "bob@localhost", type: "person", name: "Bob" }, target: { id: ROOM, type: "room" } }));
    const left = await seen(alice, (m) => m.type === "update" && m.actor?.id === `${ROOM}/Bob` && m.object?.presence === "offline");
    assert.equal(left.actor.type, "room");
  });

  it("a contact request reaches the other user as request-friend; acceptance, presence updates, roster on login", async () => {
    const carol = await connected("carol");
    const dave = await connected("dave");
    await ok(carol, verb("request-friend", "carol", { target: person("dave@localhost") }));
    const request1 = await seen(dave, (m) => m.type === "request-friend");
    assert.deepEqual(request1.actor, person("carol@localhost"));
    assert.deepEqual(request1.target, person("dave@localhost"));

    await ok(dave, verb("make-friend", "dave", { target: person("carol@localhost") }));
    // dave approved and asked back: carol sees dave online, and dave's own request
    await seen(carol, (m) => m.type === "update" && m.actor?.id === "dave@localhost/SockethubTest" && m.object?.presence === "online");
    await seen(carol, (m) => m.type === "request-friend" && m.actor?.id === "dave@localhost");
    await ok(carol, verb("make-friend", "carol", { target: person("dave@localhost") }));
    await seen(dave, (m) => m.type === "update" && m.actor?.id === "carol@localhost/SockethubTest" && m.object?.presence === "online");

    await ok(dave, verb("update", "dave", { object: { type: "presence", presence: "away", content: "lunch" } }));
    const away = await seen(carol, (m) => m.type === "update" && m.actor?.id === "dave@localhost/SockethubTest" && m.object?.presence === "away");
    assert.equal(away.object.content, "lunch");
    await ok(dave, verb("update", "dave", { object: { type: "presence", presence: "online", content: "back" } }));
    await seen(carol, (m) => m.actor?.id === "dave@localhost/SockethubTest" && m.object?.content === "back" && m.object.presence === "online");

    // a new login of carol: the roster (dave, subscription both) and dave's presence arrive as activities
    await ok(carol, verb("disconnect", "carol"));
    const carol2 = await connected("carol");
    const rosterItem = await seen(carol2, (m) => m.type === "update" && m.actor?.id === "dave@localhost");
    assert.deepEqual(rosterItem.target, person("carol@localhost"));
    assert.equal(rosterItem.object.presence, "offline");
    await seen(carol2, (m) => m.type === "update" && m.actor?.id === "dave@localhost/SockethubTest" && m.object?.content === "back");

    await ok(carol2, verb("remove-friend", "carol", { target: person("dave@localhost") }));
    await seen(dave, (m) => m.type === "update" && m.actor?.id?.startsWith("carol@localhost") && m.object?.presence === "offline");
  });

  it("logs in over STARTTLS to a server that requires it, and over direct TLS, trusting the operator's test certificate", async () => {
    const tess = await connected("tess", { server: `xmpp://127.0.0.1:${secure.port}` }, secure);
    await ok(tess, verb("update", "tess", { object: { type: "presence", presence: "online" } }));
    assert.match(secure.log(), /tess@localhost|Authenticated as tess/i);
    // direct TLS (xmpps://), the certificate checked against the host name; another actor, so another instance
    const direct = await client();
    const actor = person("tess@localhost/direct");
    await request(direct, "credentials", { ...creds("tess", { resource: "direct", server: `xmpps://localhost:${secure.tlsPort}` }, secure), actor });
    const ack = await request(direct, "message", { ...verb("connect", "tess"), actor }, 15_000);
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    await ok(direct, { ...verb("update", "tess", { object: { type: "presence", presence: "online" } }), actor });
    // the certificate is checked against the XMPP domain, not the address connected to
    const byAddress = await client();
    const actor2 = person("tess@localhost/by-address");
    await request(byAddress, "credentials", { ...creds("tess", { resource: "by-address", server: `xmpps://127.0.0.1:${secure.tlsPort}` }, secure), actor: actor2 });
    assert.equal((await request(byAddress, "message", { ...verb("connect", "tess"), actor: actor2 }, 15_000)).error, undefined);
    // a domain the certificate does not name is refused, over direct TLS and over STARTTLS
    secure.register("olga", "olgapw", "other.localhost");
    for (const server of [`xmpps://127.0.0.1:${secure.tlsPort}`, `xmpp://127.0.0.1:${secure.port}`]) {
      const other = await client();
      const olga = person(`olga@other.localhost/${server.slice(0, 5)}`);
      await request(other, "credentials", { "@context": XMPP, type: "credentials", actor: olga,
        object: { type: "credentials", userAddress: "olga@other.localhost", password: "olgapw", resource: "r", server } });
      const refused = await request(other, "message", { ...verb("connect", "olga"), actor: olga }, 15_000);
      assert.match(refused.error ?? "", /^connection failed: .*(SSLHandshakeException|CertificateException|TLS handshake failed: No subject alternative).*\(service: xmpps?:\/\/127\.0\.0\.1:\d+\)$/, JSON.stringify(refused));
    }  });

  it("one account on two devices: two resources, each its own connection, in a room and directly; a wrong password is the server's answer", async () => {
    const laptop = await connected("erin", { resource: "laptop" });
    const phone = await connected("erin", { resource: "phone" });
    // the laptop sees its other resource come online
    await seen(laptop, (m) => m.type === "update" && m.actor?.id === "erin@localhost/phone" && m.object?.presence === "online");
    const room = "devices@conference.localhost";
    for (const [socket, name] of [[laptop, "ErinLaptop"], [phone, "ErinPhone"]]) {
      await ok(socket, verb("join", "erin", { actor: { id: "erin@localhost", type: "person", name }, target: { id: room, type: "room" } }));
    }
    await ok(laptop, verb("send", "erin", { target: { id: room, type: "room" }, object: { type: "message", content: "from the laptop" } }));
    const inRoom = await seen(phone, (m) => m.type === "send" && m.object?.content === "from the laptop");
    assert.deepEqual(inRoom.actor, { type: "person", id: `${room}/ErinLaptop`, name: "ErinLaptop" });
    await ok(phone, say("erin", "erin@localhost/laptop", "from the phone, directly"));
    const direct = await seen(laptop, (m) => m.type === "send" && m.object?.content === "from the phone, directly");
    assert.equal(direct.actor.id, "erin@localhost/phone");
    // a wrong password while both are connected: the server's authentication error, and the others go on
    const wrong = await client();
    await request(wrong, "credentials", creds("erin", { resource: "tablet", password: "wrong" }));
    const refused = await request(wrong, "message", verb("connect", "erin"), 15_000);
    assert.match(refused.error ?? "", /not-authorized/, JSON.stringify(refused));
    await ok(laptop, say("erin", "erin@localhost/phone", "still here"));
    await seen(phone, (m) => m.type === "send" && m.object?.content === "still here");
    for (const socket of [laptop, phone, wrong]) socket.close(); // this file stays under the per-address cap
  });

  it("a second device's login gets the roster and the contacts' presence while the first stays connected", async () => {
    const laptop = await connected("kim", { resource: "laptop" });
    const lou = await connected("lou");
    await ok(laptop, verb("request-friend", "kim", { target: person("lou@localhost") }));
    await seen(lou, (m) => m.type === "request-friend" && m.actor?.id === "kim@localhost");
    await ok(lou, verb("make-friend", "lou", { target: person("kim@localhost") }));
    await seen(laptop, (m) => m.type === "request-friend" && m.actor?.id === "lou@localhost");
    await ok(laptop, verb("make-friend", "kim", { target: person("lou@localhost") }));
    await seen(laptop, (m) => m.type === "update" && m.actor?.id === "lou@localhost/SockethubTest" && m.object?.presence === "online");
    const phone = await connected("kim", { resource: "phone" });
    const rosterItem = await seen(phone, (m) => m.type === "update" && m.actor?.id === "lou@localhost");
    assert.deepEqual(rosterItem.target, person("kim@localhost"));
    await seen(phone, (m) => m.type === "update" && m.actor?.id === "lou@localhost/SockethubTest" && m.object?.presence === "online");
    await ok(lou, say("lou", "kim@localhost/laptop", "to the laptop"));
    await seen(laptop, (m) => m.type === "send" && m.object?.content === "to the laptop");
    for (const socket of [laptop, lou, phone]) socket.close(); // this file stays under the per-address cap
  });

  it("a second login with the same resource takes over: the first session is told once, and not reconnected", async () => {
    const first = await connected("ivy");
    const second = await client();
    const otherActor = { ...creds("ivy"), actor: person("ivy@localhost/second-tab") };
    await request(second, "credentials", otherActor);
    const ack = await request(second, "message", { ...verb("connect", "ivy"), actor: person("ivy@localhost/second-tab") }, 15_000);
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    const failed = await seen(first, (m) => m.type === "connect" && m.object?.status === "failed");
    assert.equal(failed.object.condition, "conflict");
    assert.match(failed.error, /^Connection failed: stream error conflict.*\. Manual reconnection required\.$/);
    await new Promise((r) => setTimeout(r, 1500));
    const errors = [...first.seen, ...second.seen].filter((m) => m.type === "error");
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(first.seen.filter((m) => m.object?.status === "connected").length, 0);
    const again = await request(first, "message", say("ivy", "bob@localhost", "still there?"));
    assert.equal(again.error, "send called on uninitialized platform");
  });

  it("verbs before connect fail; a server restart is reported, reconnected and the room rejoined", async () => {
    const lone = await client();
    await request(lone, "credentials", creds("gina"));
    assert.equal((await request(lone, "message", verb("join", "gina", { target: { id: ROOM, type: "room" } }))).error,
      "join called on uninitialized platform");

    const frank = await connected("frank");
    const gina = await connected("gina");
    const join = (user, name) => verb("join", user, { actor: { id: `${user}@localhost`, type: "person", name }, target: { id: ROOM, type: "room" } });
    await ok(frank, join("frank", "Frank"));
    await seen(frank, (m) => m.actor?.id === `${ROOM}/Frank`);

    frank.seen.length = 0;
    await prosody.restart({ downMs: 1500 }); // several attempts fail before it is back
    const lost = await seen(frank, (m) => m.type === "connect" && m.object?.status === "reconnecting", 15_000);
    assert.match(lost.error, /^Connection lost: .*\. Attempting automatic reconnection\.\.\.$/);
    assert.deepEqual(lost.actor, person("frank@localhost"));
    const back = await seen(frank, (m) => m.type === "connect" && m.object?.status === "connected", 20_000);
    assert.equal(back.error, undefined);
    await seen(frank, (m) => m.type === "update" && m.actor?.id === `${ROOM}/Frank` && m.object?.presence === "online", 10_000);

    await seen(gina, (m) => m.type === "connect" && m.object?.status === "connected", 20_000);
    await ok(gina, join("gina", "Gina"));
    await ok(gina, verb("send", "gina", { target: { id: ROOM, type: "room" }, object: { type: "message", content: "anyone back?" } }));
    const heard = await seen(frank, (m) => m.type === "send" && m.object?.content === "anyone back?");
    assert.equal(heard.actor.name, "Gina");
    await ok(frank, say("frank", "gina@localhost", "yes"));
  });
});
