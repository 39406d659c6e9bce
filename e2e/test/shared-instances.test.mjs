// Persistent instances across gateway nodes (issue 16, parts 2 and 3): two nodes on a real
// 3-master Redis Cluster with the same `cluster.secret`. A session on node B whose credentials
// match an instance node A holds attaches to it: its jobs run on A's instance, results and pushes
// reach the sessions of both nodes. Anonymous credentials stay one session at a time across the
// nodes. When A is killed with SIGKILL, B's sessions on A's instance are told within 10 s and can
// connect again on B.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { TESTCHAT, connect, contextFor, next, request, startHost, startRedisCluster } from "../lib/harness.mjs";
import { rawIrc, startIrc } from "../lib/irc-peer.mjs";
import { CHAT, creds, say, verb } from "../lib/testchat.mjs";

const CLUSTER = { cluster: { secret: "an e2e cluster secret of 32 chars or more" } };
let cluster;
let nodeA;
let nodeB;
let irc;
const open = [];
const raws = [];
before(async () => {
  irc = await startIrc({ accounts: { xshared: "xsharedpw" } });
  cluster = await startRedisCluster({ masters: 3 });
  const args = ["--redis.cluster.nodes", cluster.nodes.join(",")];
  [nodeA, nodeB] = await Promise.all([
    startHost({ redisUrl: null, args, deploy: [TESTCHAT], config: CLUSTER }),
    startHost({ redisUrl: null, args, deploy: [TESTCHAT], config: CLUSTER }),
  ]);
});
after(async () => {
  open.forEach((s) => s.close());
  raws.forEach((r) => r.close());
  await nodeA?.stop();
  await nodeB?.stop();
  await cluster?.stop();
  await irc?.stop();
});

async function on(node) {
  const socket = await connect(node.url, ["websocket"]);
  open.push(socket);
  return socket;
}

async function signIn(socket, actor, object) {
  assert.equal((await request(socket, "credentials", creds(actor, object))).error, undefined);
  return request(socket, "message", verb("connect", actor));
}

/** Every "heard" push a socket receives, in order. */
function heard(socket) {
  const seen = [];
  socket.on("message", (m) => {
    if (String(m.object?.content).startsWith("heard: ")) {
      seen.push(m.object.content);
    }
  });
  return seen;
}

const settle = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe("persistent instances shared by the nodes of one Redis Cluster", () => {
  it("says so at start", () => {
    for (const node of [nodeA, nodeB]) {
      assert.match(node.log(), /persistent instances shared with the other nodes of this Redis \(cluster\.secret\)/);
    }
  });

  it("attaches a session on node B to node A's instance: one instance, both nodes' sessions get results and pushes", async () => {
    const a = await on(nodeA);
    const b = await on(nodeB);
    const heardA = heard(a);
    const heardB = heard(b);
    assert.equal((await signIn(a, "dana", { password: "pw" })).error, undefined);
    const connectedB = await signIn(b, "dana", { password: "pw" });
    assert.equal(connectedB.error, undefined, JSON.stringify(connectedB));

    // a line from A's session: its ack, the result fanned out to B's session, the one push to both
    const fannedB = next(b, "message", (m) => m.type === "send" && m.object?.content === "from A");
    const ackA = await request(a, "message", say("dana", "from A"));
    assert.equal(ackA.error, undefined, JSON.stringify(ackA));
    assert.deepEqual(await fannedB, ackA);

    // a line from B's session runs on A's instance: B's ack, the result on A's session, the push to both
    const fannedA = next(a, "message", (m) => m.type === "send" && m.object?.content === "from B");
    const ackB = await request(b, "message", say("dana", "from B"));
    assert.equal(ackB.error, undefined, JSON.stringify(ackB));
    assert.deepEqual(ackB["@context"], CHAT);
    assert.deepEqual(await fannedA, ackB);

    await settle(500);
    // one instance: each line heard once by each session (two instances would push each line to one side only)
    assert.deepEqual(heardA, ["heard: from A", "heard: from B"]);
    assert.deepEqual(heardB, ["heard: from A", "heard: from B"]);
  });

  it("keeps instances apart for other credentials of the same actor", async () => {
    const a = await on(nodeA);
    const b = await on(nodeB);
    const heardB = heard(b);
    assert.equal((await signIn(a, "erin", { password: "one" })).error, undefined);
    assert.equal((await signIn(b, "erin", { password: "two" })).error, undefined);
    assert.equal((await request(a, "message", say("erin", "only A's"))).error, undefined);
    assert.equal((await request(b, "message", say("erin", "only B's"))).error, undefined);
    await settle(500);
    assert.deepEqual(heardB, ["heard: only B's"]);
  });

  it("refuses anonymous credentials another node's session holds", async () => {
    const a = await on(nodeA);
    const b = await on(nodeB);
    assert.equal((await signIn(a, "fay", { nick: "fay" })).error, undefined);
    assert.equal((await signIn(b, "fay", { nick: "fay" })).error, "username already in use");
  });
});

const IRC = contextFor("irc");
const ircActor = (nick) => ({ id: `${nick}@127.0.0.1`, type: "person", name: nick });
const ircMsg = (type, nick, extra = {}) => ({ "@context": IRC, type, actor: ircActor(nick), ...extra });
const ircRoom = (channel) => ({ type: "room", id: `127.0.0.1/${channel}`, name: channel });
const ircCreds = (nick, extra) => ({ "@context": IRC, type: "credentials", actor: ircActor(nick),
  object: { type: "credentials", nick, server: "127.0.0.1", port: irc.port, secure: false, ...extra } });

/** Users on the IRC network, as LUSERS counts them (visible and invisible). */
async function users(watcher) {
  const line = watcher.waitFor(/ 251 /);
  watcher.send("LUSERS");
  const m = (await line).match(/There are (\d+) users and (\d+) invisible/);
  return Number(m[1]) + Number(m[2]);
}

describe("an IRC connection shared by sessions on two nodes (SASL credentials)", () => {
  it("opens one connection: InspIRCd sees one client, both sessions get the channel, a line from either reaches it once", async () => {
    const watcher = await rawIrc(irc.port, "xwatcher");
    raws.push(watcher);
    const before = await users(watcher);
    const sessions = [];
    for (const node of [nodeA, nodeB]) {
      const socket = await on(node);
      assert.equal((await request(socket, "credentials", ircCreds("xshared", { password: "xsharedpw" }))).error, undefined);
      const ack = await request(socket, "message", ircMsg("connect", "xshared"), 30_000);
      assert.equal(ack.error, undefined, JSON.stringify(ack));
      sessions.push(socket);
    }
    const [a, b] = sessions;
    assert.equal(await users(watcher), before + 1, "one IRC client for both sessions");
    const joined = await request(b, "message", ircMsg("join", "xshared", { target: ircRoom("#xnode") }), 15_000);
    assert.equal(joined.error, undefined, JSON.stringify(joined));
    watcher.send("JOIN #xnode");
    await watcher.waitFor(/ 366 /);

    const toA = next(a, "message", (m) => m.type === "send" && m.object?.content === "hello both");
    const toB = next(b, "message", (m) => m.type === "send" && m.object?.content === "hello both");
    watcher.send("PRIVMSG #xnode :hello both");
    for (const got of await Promise.all([toA, toB])) {
      assert.deepEqual(got.actor, { type: "person", id: "xwatcher@127.0.0.1", name: "xwatcher" });
    }

    const seen = Promise.all([watcher.waitFor(/PRIVMSG #xnode :from a$/), watcher.waitFor(/PRIVMSG #xnode :from b$/)]);
    assert.equal((await request(a, "message", ircMsg("send", "xshared", { target: ircRoom("#xnode"), object: { type: "message", content: "from a" } }))).error, undefined);
    assert.equal((await request(b, "message", ircMsg("send", "xshared", { target: ircRoom("#xnode"), object: { type: "message", content: "from b" } }))).error, undefined);
    const [fromA, fromB] = await seen;
    assert.match(fromA, /^:xshared!/);
    assert.match(fromB, /^:xshared!/);
    await settle(1_000);
    assert.deepEqual(watcher.count(/PRIVMSG #xnode :from (a|b)$/), 2, "each line once");
  });
});

describe("the death of a node", () => {
  it("tells a session on node B when node A, which held its instance, dies; it connects again on B", async () => {
    const a = await on(nodeA);
    const b = await on(nodeB);
    assert.equal((await signIn(a, "gus", { password: "pw" })).error, undefined);
    assert.equal((await signIn(b, "gus", { password: "pw" })).error, undefined);
    const told = next(b, "message", (m) => m.type === "error", 15_000);
    const killed = Date.now();
    process.kill(nodeA.pid, "SIGKILL");
    const notice = await told;
    const within = Date.now() - killed;
    assert.ok(within <= 10_000, `told after ${within} ms`);
    assert.deepEqual(notice.actor, { id: "gus", type: "service" });
    assert.equal(notice.error, "Error: the server holding this connection stopped");
    // its next connect makes an instance on node B
    const again = await request(b, "message", verb("connect", "gus"));
    assert.equal(again.error, undefined, JSON.stringify(again));
    const pushed = next(b, "message", (m) => m.object?.content === "heard: on B now");
    assert.equal((await request(b, "message", say("gus", "on B now"))).error, undefined);
    await pushed;
  });
});
