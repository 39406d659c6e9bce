// The irc platform (spec §3, issue 4) through the real gateway and socket.io-client, against a real
// InspIRCd + Atheme started on free loopback ports (e2e/lib/irc-peer.mjs).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, contextFor, next, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { rawIrc, startIrc } from "../lib/irc-peer.mjs";

const IRC = contextFor("irc");
const SERVER = "127.0.0.1";
const actorOf = (nick) => ({ id: `${nick}@${SERVER}`, type: "person", name: nick });
const room = (channel) => ({ type: "room", id: `${SERVER}/${channel}`, name: channel });
const msg = (type, nick, extra = {}) => ({ "@context": IRC, type, actor: actorOf(nick), ...extra });
const say = (nick, channel, content) => msg("send", nick, { target: room(channel), object: { type: "message", content } });
const silence = (socket, filter, ms) => new Promise((ok, fail) => {
  const on = (m) => { if (filter(m)) fail(new Error(`unexpected message: ${JSON.stringify(m)}`)); };
  socket.on("message", on);
  setTimeout(() => { socket.off("message", on); ok(); }, ms);
});

let irc;
const server = serverForTests({
  config: {
    packageConfig: { irc: { linesPerSecond: 20, burstLines: 10, reconnectDelayMs: 300, reconnectMaxDelayMs: 2000, commandTimeoutMs: 8000 } },
  },
});
const open = [];
const raws = [];

before(async () => {
  irc = await startIrc({ accounts: { sasluser: "saslpw", shared: "sharedpw" } });
  await server.ready;
  await waitFor(() => /platform irc \S+ registered/.test(server.host.log()), 60_000, "irc platform registered");
});
after(async () => {
  open.forEach((s) => s.close());
  raws.forEach((r) => r.close());
  await irc?.stop();
});

const creds = (nick, extra = {}) => ({
  "@context": IRC, type: "credentials", actor: actorOf(nick),
  object: { type: "credentials", nick, server: SERVER, port: irc.port, secure: false, ...extra },
});

/** A socket with credentials stored; resolves with { socket, ack } after the connect job. */
async function session(nick, extra = {}, onSocket = () => {}) {
  const socket = await connect(server.host.url, ["websocket"]);
  open.push(socket);
  onSocket(socket);
  const stored = await request(socket, "credentials", creds(nick, extra));
  assert.equal(stored.error, undefined, JSON.stringify(stored));
  const ack = await request(socket, "message", msg("connect", nick), 30_000);
  return { socket, ack };
}

async function connected(nick, extra = {}) {
  const { socket, ack } = await session(nick, extra);
  assert.equal(ack.error, undefined, JSON.stringify(ack));
  return socket;
}

async function joined(socket, nick, channel) {
  const ack = await request(socket, "message", msg("join", nick, { target: room(channel) }));
  assert.equal(ack.error, undefined, JSON.stringify(ack));
  return ack;
}

describe("irc: two sessions in one channel", () => {
  let alice;
  let bob;

  it("connect (the MOTD arrives after it), join, and see each other join", async () => {
    let motd;
    const [a, b] = await Promise.all([
      session("alice", {}, (s) => { motd = next(s, "message", (m) => m.object?.type === "topic" && m.actor?.type === "service", 20_000); }),
      connected("bob"),
    ]);
    assert.equal(a.ack.error, undefined, JSON.stringify(a.ack));
    assert.equal(a.ack.type, "connect");
    alice = a.socket;
    bob = b;
    const m = await motd;
    assert.deepEqual(m.actor, { type: "service", id: SERVER, name: SERVER });
    assert.match(m.object.content, /Welcome to the Sockethub test network/);
    assert.deepEqual(m["@context"], IRC);

    const ack = await joined(alice, "alice", "#e2e");
    assert.deepEqual(ack.target, room("#e2e"), "the ack is the join itself");
    const seen = next(alice, "message", (x) => x.type === "join" && x.actor?.name === "bob");
    await joined(bob, "bob", "#e2e");
    assert.deepEqual(await seen, { "@context": IRC, type: "join", actor: actorOf("bob"), target: room("#e2e"), published: (await seen).published });
  });

  it("exchange messages both ways, with no echo of one's own", async () => {
    const atAlice = next(alice, "message", (m) => m.type === "send" && m.actor?.name === "bob");
    const noEcho = silence(bob, (m) => m.type === "send" && m.actor?.name === "bob" && !m.id && m.published, 1500);
    const ack = await request(bob, "message", say("bob", "#e2e", "hello alice"));
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    const heard = await atAlice;
    assert.deepEqual(heard.actor, actorOf("bob"));
    assert.deepEqual(heard.target, room("#e2e"));
    assert.deepEqual(heard.object, { type: "message", content: "hello alice" });
    assert.equal(typeof heard.published, "string");
    await noEcho;

    const atBob = next(bob, "message", (m) => m.type === "send" && m.actor?.name === "alice");
    assert.equal((await request(alice, "message", say("alice", "#e2e", "hi bob :) how are you"))).error, undefined);
    assert.equal((await atBob).object.content, "hi bob :) how are you");
  });

  it("/me becomes an action, /notice a notice", async () => {
    const action = next(alice, "message", (m) => m.object?.type === "me");
    assert.equal((await request(bob, "message", say("bob", "#e2e", "/me waves"))).error, undefined);
    assert.deepEqual((await action).object, { type: "me", content: "waves" });
    assert.deepEqual((await action).actor, actorOf("bob"));

    const notice = next(alice, "message", (m) => m.type === "send" && m.object?.content === "heads up");
    assert.equal((await request(bob, "message", say("bob", "#e2e", "/notice heads up"))).error, undefined);
    await notice;
  });

  it("splits a long message at the line limit on word boundaries", async () => {
    const words = Array.from({ length: 250 }, (_, i) => `word${i}`).join(" ");
    const parts = [];
    const all = new Promise((ok) => {
      const on = (m) => {
        if (m.type === "send" && m.actor?.name === "bob" && m.object?.content?.startsWith("word")) {
          parts.push(m.object.content);
          if (parts.join(" ").length >= words.length) { alice.off("message", on); ok(); }
        }
      };
      alice.on("message", on);
    });
    assert.equal((await request(bob, "message", say("bob", "#e2e", words))).error, undefined);
    await all;
    assert.ok(parts.length >= 3, `${parts.length} lines`);
    assert.equal(parts.join(" "), words);
    for (const p of parts) {
      assert.ok(Buffer.byteLength(`:bob!~bob@${SERVER} PRIVMSG #e2e :${p}`) <= 510, "each relayed line fits the IRC limit");
      assert.ok(!p.startsWith(" ") && !p.endsWith(" "), "split between words");
    }
  });

  it("sets a topic with spaces and colons whole; the other side sees it", async () => {
    const topic = next(bob, "message", (m) => m.object?.type === "topic" && m.actor?.name === "alice");
    const ack = await request(alice, "message", msg("update", "alice",
      { target: room("#e2e"), object: { type: "topic", content: "a :b c with spaces" } }));
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    const t = await topic;
    assert.deepEqual(t.target, room("#e2e"));
    assert.equal(t.object.content, "a :b c with spaces");
  });

  it("answers an attendance query with one presence per member (own nick left out)", async () => {
    const presences = [];
    const got = new Promise((ok) => {
      const on = (m) => {
        if (m.object?.type === "presence") {
          presences.push(m);
          if (m.actor.name === "alice") { bob.off("message", on); ok(); }
        }
      };
      bob.on("message", on);
    });
    const ack = await request(bob, "message", msg("query", "bob", { target: room("#e2e"), object: { type: "attendance" } }));
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    await got;
    const alicePresence = presences.find((p) => p.actor.name === "alice");
    assert.deepEqual(alicePresence.target, room("#e2e"));
    assert.deepEqual(alicePresence.object, { type: "presence", role: "owner" }, "the channel's creator is its operator");
    assert.equal(presences.some((p) => p.actor.name === "bob"), false);
  });

  it("a topic change without operator rights is an error ack, and the connection stays usable", async () => {
    const ack = await request(bob, "message", msg("update", "bob",
      { target: room("#e2e"), object: { type: "topic", content: "bob's topic" } }));
    assert.match(ack.error ?? "", /operator|access|topic/i);
    const heard = next(alice, "message", (m) => m.object?.content === "still here");
    assert.equal((await request(bob, "message", say("bob", "#e2e", "still here"))).error, undefined);
    await heard;
  });

  it("a nick change is seen by the other side, and the new actor id keeps working", async () => {
    const seen = next(alice, "message", (m) => m.object?.type === "address");
    const ack = await request(bob, "message", msg("update", "bob",
      { target: { type: "person", id: `bob2@${SERVER}`, name: "bob2" }, object: { type: "address" } }));
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    const change = await seen;
    assert.deepEqual(change.actor, actorOf("bob"));
    assert.deepEqual(change.target, actorOf("bob2"));
    const heard = next(alice, "message", (m) => m.type === "send" && m.object?.content === "new name");
    assert.equal((await request(bob, "message", say("bob2", "#e2e", "new name"))).error, undefined);
    assert.deepEqual((await heard).actor, actorOf("bob2"));
  });

  it("sees the other side leave", async () => {
    const left = next(alice, "message", (m) => m.type === "leave" && m.actor?.name === "bob2");
    assert.equal((await request(bob, "message", msg("leave", "bob2", { target: room("#e2e") }))).error, undefined);
    assert.equal((await left).object.content, "user has left the channel");
    const refused = await request(bob, "message", say("bob2", "#e2e", "not joined"));
    assert.equal(refused.error, "cannot send message to a channel of which you've not first joined.");
  });
});

describe("irc: accounts, clashes and server errors", () => {
  it("SASL PLAIN with the right password connects; a wrong one is an error and the next connect works", async () => {
    const ok = await connected("sasluser", { password: "saslpw" });
    assert.equal((await request(ok, "message", msg("disconnect", "sasluser"))).error, undefined);

    const wrong = await session("saslwrong", { username: "sasluser", password: "nope" });
    assert.equal(wrong.ack.error, "unable to connect to server: sasl authentication failed");
    const again = await request(wrong.socket, "credentials", creds("saslwrong"));
    assert.equal(again.error, undefined);
    assert.equal((await request(wrong.socket, "message", msg("connect", "saslwrong"), 30_000)).error, undefined);
  });

  it("connects over TLS (test certificate allowed) and refuses an untrusted certificate by default", async () => {
    const tls = await session("tlsuser", { port: irc.tlsPort, secure: true, allowInvalidCert: true });
    assert.equal(tls.ack.error, undefined, JSON.stringify(tls.ack));
    const strict = await session("tlsstrict", { port: irc.tlsPort, secure: true });
    assert.ok(strict.ack.error, "a self-signed certificate is refused");
  });

  it("a nick in use: connect fails, and a nick change to it is an error that leaves the connection usable", async () => {
    const holder = await rawIrc(irc.port, "taken");
    raws.push(holder);
    const clash = await session("taken");
    assert.equal(clash.ack.error, "unable to connect to server: nicknames unavailable");

    const carl = await connected("carl");
    await joined(carl, "carl", "#clash");
    const ack = await request(carl, "message", msg("update", "carl",
      { target: { type: "person", id: `taken@${SERVER}`, name: "taken" }, object: { type: "address" } }));
    assert.match(ack.error ?? "", /in use/i);
    holder.send("JOIN #clash");
    const heard = holder.waitFor(/PRIVMSG #clash :still carl/);
    assert.equal((await request(carl, "message", say("carl", "#clash", "still carl"))).error, undefined);
    assert.match(await heard, /^:carl!/);
  });

  it("joining an invite-only channel is an error ack, the connection stays usable", async () => {
    const owner = await rawIrc(irc.port, "gatekeeper");
    raws.push(owner);
    owner.send("JOIN #locked");
    await owner.waitFor(/ 366 /);
    owner.send("MODE #locked +i");
    await owner.waitFor(/MODE #locked :?\+i/);

    const dora = await connected("dora");
    const ack = await request(dora, "message", msg("join", "dora", { target: room("#locked") }));
    assert.match(ack.error ?? "", /invite|\+i/i);
    assert.equal((await request(dora, "message", say("dora", "#locked", "let me in"))).error,
      "cannot send message to a channel of which you've not first joined.");
    await joined(dora, "dora", "#open");
    assert.equal((await request(dora, "message", say("dora", "#open", "fine here"))).error, undefined);
  });

  it("role changes and kicks by others reach the client", async () => {
    const op = await rawIrc(irc.port, "chanop");
    raws.push(op);
    op.send("JOIN #roles");
    await op.waitFor(/ 366 /);
    const gus = await connected("gus");
    await joined(gus, "gus", "#roles");
    const voiced = next(gus, "message", (m) => m.type === "add");
    op.send("MODE #roles +v gus");
    const add = await voiced;
    assert.deepEqual(add.actor, actorOf("chanop"));
    assert.deepEqual(add.target, actorOf("gus"));
    assert.deepEqual(add.object, { type: "relationship", relationship: "role",
      subject: { type: "presence", role: "participant" }, object: room("#roles") });
    const kicked = next(gus, "message", (m) => m.type === "leave" && m.actor?.name === "gus");
    op.send("KICK #roles gus :out you go");
    const k = await kicked;
    assert.deepEqual(k.target, room("#roles"));
    assert.equal(k.object.content, "user was kicked by chanop: out you go");
    assert.equal((await request(gus, "message", say("gus", "#roles", "am I in?"))).error,
      "cannot send message to a channel of which you've not first joined.");
  });

  it("two sockets connecting at once with the same password credentials share one connection", async () => {
    const [a, b] = await Promise.all([session("shared", { password: "sharedpw" }), session("shared", { password: "sharedpw" })]);
    for (const s of [a, b]) {
      assert.equal(s.ack.error, undefined, JSON.stringify(s.ack));
      assert.equal(s.ack.type, "connect");
    }
    await joined(a.socket, "shared", "#shared");
    const fanned = next(b.socket, "message", (m) => m.type === "send" && m.object?.content === "from a");
    assert.equal((await request(a.socket, "message", say("shared", "#shared", "from a"))).error, undefined);
    await fanned; // the other session gets the result
    const watcher = await rawIrc(irc.port, "counter");
    raws.push(watcher);
    watcher.send("NAMES #shared");
    assert.match(await watcher.waitFor(/ 353 /), /:@?shared$/, "one IRC connection");
  });

  it("a browser refresh: a new socket takes the connection over and carries on", async () => {
    const first = await connected("hana");
    await joined(first, "hana", "#refresh");
    // anonymous credentials: while the first socket is connected, a second one is refused
    const intruder = await connect(server.host.url, ["websocket"]);
    open.push(intruder);
    assert.equal((await request(intruder, "credentials", creds("hana"))).error, undefined);
    assert.equal((await request(intruder, "message", msg("connect", "hana"))).error, "username already in use");
    intruder.close();
    first.close();
    await new Promise((r) => setTimeout(r, 300));
    const second = await connect(server.host.url, ["websocket"]);
    open.push(second);
    assert.equal((await request(second, "credentials", creds("hana"))).error, undefined);
    assert.equal((await request(second, "message", msg("connect", "hana"))).error, undefined);
    await joined(second, "hana", "#refresh");
    const watcher = await rawIrc(irc.port, "refresher");
    raws.push(watcher);
    watcher.send("JOIN #refresh");
    await watcher.waitFor(/ 366 /);
    const heard = watcher.waitFor(/PRIVMSG #refresh :after refresh/);
    assert.equal((await request(second, "message", say("hana", "#refresh", "after refresh"))).error, undefined);
    assert.match(await heard, /^:hana!/);
  });

  it("disconnect, then connect again in the same session", async () => {
    const eve = await connected("eve");
    assert.equal((await request(eve, "message", msg("disconnect", "eve"))).error, undefined);
    assert.equal((await request(eve, "message", msg("connect", "eve"), 30_000)).error, undefined);
    await joined(eve, "eve", "#again");
  });
});

describe("irc: a server restart", () => {
  it("is reported to the client, the connection comes back and rejoins its channels", async () => {
    const fay = await connected("fay");
    await joined(fay, "fay", "#restart");
    const down = next(fay, "message", (m) => m.object?.type === "connection" && m.object.status === "disconnected", 20_000);
    const up = next(fay, "message", (m) => m.object?.type === "connection" && m.object.status === "connected", 40_000);
    await irc.restart(300);
    const d = await down;
    assert.deepEqual(d.actor, { type: "service", id: SERVER, name: SERVER });
    assert.deepEqual(d.target, actorOf("fay"));
    assert.equal(d.type, "update");
    await up;

    const watcher = await rawIrc(irc.port, "watcher");
    raws.push(watcher);
    watcher.send("JOIN #restart");
    const names = await watcher.waitFor(/ 353 /);
    assert.match(names, /fay/, "fay is back in the channel");
    const heard = next(fay, "message", (m) => m.type === "send" && m.object?.content === "welcome back");
    watcher.send("PRIVMSG #restart :welcome back");
    await heard;
    assert.equal((await request(fay, "message", say("fay", "#restart", "thanks"))).error, undefined);
  });
});
