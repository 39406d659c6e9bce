// Redis Cluster (issue 16, first part): the host and its workers on a real 3-master Redis Cluster
// (`--redis.cluster.nodes`): echoes, credentials and a persistent instance with its pushes, and
// every key of the node in one hash slot, so that a worker's finishing script and every multi-key
// command stay within one master.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { TESTCHAT, connect, echo, next, request, startHost, startRedisCluster, waitFor } from "../lib/harness.mjs";
import { CHAT, creds, say, verb } from "../lib/testchat.mjs";

let cluster;
let host;
const clusterArgs = () => ["--redis.cluster.nodes", cluster.nodes.join(",")];
// a node without a heartbeat at two looks of a living node is dead (as in workers.test.mjs)
const HEARTBEAT = { nodeHeartbeat: { ttlMs: 1500, sweepIntervalMs: 2000 } };
const open = [];
before(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  host = await startHost({ redisUrl: null, args: clusterArgs(), deploy: [TESTCHAT], config: HEARTBEAT });
});
after(async () => {
  open.forEach((s) => s.close());
  await host?.stop();
  await cluster?.stop();
});

async function client() {
  const socket = await connect(host.url, ["websocket"]);
  open.push(socket);
  return socket;
}

const cli = (port, ...args) => execFileSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8" });
/** The gateway nodes that have keys in the cluster (every master scanned), by node id. */
const nodesIn = () => new Set(cluster.ports.flatMap((port) => cli(port, "--scan", "--pattern", "sockethub:{*").split("\n"))
  .filter(Boolean).map((key) => key.slice("sockethub:{".length, key.indexOf("}"))));

describe("on a Redis Cluster", () => {
  it("says so at start and answers every echo of several sockets", async () => {
    assert.match(host.log(), /redis redis:\/\/127\.0\.0\.1:\d+,redis:\/\/127\.0\.0\.1:\d+,redis:\/\/127\.0\.0\.1:\d+ \(cluster, configured\)/);
    const sockets = await Promise.all([client(), client(), client()]);
    const answers = await Promise.all(sockets.flatMap((s, i) =>
      Array.from({ length: 20 }, (_, j) => request(s, "message", echo(`c${i}-${j}`)))));
    assert.equal(answers.length, 60);
    answers.forEach((a, k) => {
      assert.equal(a.error, undefined, JSON.stringify(a));
      assert.equal(a.object.content, `c${Math.floor(k / 20)}-${k % 20}`);
    });
  });

  it("keeps credentials and runs a persistent instance: its result reaches both sessions, its pushes too", async () => {
    const a = await client();
    const b = await client();
    for (const s of [a, b]) {
      assert.equal((await request(s, "credentials", creds("carol", { password: "pw" }))).error, undefined);
      const connected = await request(s, "message", verb("connect", "carol"));
      assert.equal(connected.error, undefined, JSON.stringify(connected));
    }
    const fanned = next(b, "message", (m) => m.type === "send" && m.object?.content === "over the cluster");
    const pushed = next(a, "message", (m) => m.object?.content === "heard: over the cluster");
    const ack = await request(a, "message", say("carol", "over the cluster"));
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    assert.deepEqual(await fanned, ack);
    assert.deepEqual((await pushed)["@context"], CHAT);
  });

  it("puts every key of the node in one hash slot (one master)", async () => {
    const keys = cluster.ports.flatMap((port) => cli(port, "--scan", "--pattern", "sockethub:*").split("\n").filter(Boolean)
      .map((key) => ({ key, port })));
    const nodeKeys = keys.filter(({ key }) => key.startsWith("sockethub:{"));
    assert.ok(nodeKeys.some(({ key }) => key.endsWith(":events")), `the events stream among ${JSON.stringify(keys)}`);
    assert.ok(nodeKeys.some(({ key }) => key.includes(":jobs:dummy")), `the dummy lane among ${JSON.stringify(keys)}`);
    const slots = new Set(nodeKeys.map(({ key }) => cli(cluster.ports[0], "cluster", "keyslot", key).trim()));
    assert.equal(slots.size, 1, `one slot for ${JSON.stringify(nodeKeys)}`);
    assert.equal(new Set(nodeKeys.map(({ port }) => port)).size, 1);
  });

  it("runs a second node beside the first; killed with SIGKILL, its keys are removed within 10 s", async () => {
    const before = nodesIn();
    // the default heartbeat (6 s, a beat a second): the living node judges it by the deadline the dead one wrote
    const other = await startHost({ redisUrl: null, args: clusterArgs() });
    try {
      const socket = await connect(other.url, ["websocket"]);
      assert.equal((await request(socket, "message", echo("on the second node"))).object.content, "on the second node");
      socket.close();
      const added = [...nodesIn()].filter((n) => !before.has(n));
      assert.equal(added.length, 1, `the second node's keys: ${added}`);
      process.kill(other.pid, "SIGKILL");
      await waitFor(() => !nodesIn().has(added[0]), 10_000, `the keys of dead node ${added[0]} removed`);
      const first = await client();
      assert.equal((await request(first, "message", echo("still here"))).object.content, "still here");
    } finally {
      await other.stop();
    }
  });
});
