// Two gateway nodes on one Redis behind HAProxy with docs/haproxy.cfg, the configuration that
// docs/scaling.md gives operators (issue 16): polling sessions stay on the node that opened them
// (the balancer's cookie), sessions spread over both nodes, a session upgrades to a websocket
// through the balancer, and every echo gets its one answer.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { io } from "socket.io-client";
import { ROOT, echo, freePort, request, startHost, startRedis, waitFor } from "../lib/harness.mjs";

let redis;
let lb;
let balancer;
let balancerLog = "";
const nodes = [];
const open = [];
before(async () => {
  redis = await startRedis();
  nodes.push(await startHost({ redisUrl: redis.url }), await startHost({ redisUrl: redis.url }));
  const port = await freePort();
  balancer = spawn("haproxy", ["-db", "-f", join(ROOT, "docs/haproxy.cfg")], {
    env: { ...process.env, SOCKETHUB_LB: `127.0.0.1:${port}`,
      SOCKETHUB_NODE_A: `127.0.0.1:${nodes[0].port}`, SOCKETHUB_NODE_B: `127.0.0.1:${nodes[1].port}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  balancer.stdout.on("data", (c) => { balancerLog += c; });
  balancer.stderr.on("data", (c) => { balancerLog += c; });
  lb = `http://127.0.0.1:${port}`;
  // both nodes pass the balancer's health check: two sessions in a row land on different nodes
  await waitFor(async () => {
    try { return (await fetch(`${lb}/health`)).status === 200; } catch { return false; }
  }, 20_000, `HAProxy on ${lb}`).catch((e) => { throw new Error(`${e.message}; its log:\n${balancerLog}`); });
});
after(async () => {
  open.forEach((s) => s.close());
  balancer?.kill();
  for (const node of nodes) await node.stop();
  await redis?.stop();
});

/** A client through the balancer that keeps its cookies, as a browser does. */
async function client(transports) {
  const socket = io(lb, { path: "/sockethub", transports, forceNew: true, reconnection: false, withCredentials: true });
  open.push(socket);
  await new Promise((ok, fail) => { socket.once("connect", ok); socket.once("connect_error", fail); });
  return socket;
}

async function echoesAnswered(url) {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(metrics.match(/sockethub_jobs_total\{platform="dummy",outcome="result"\} (\d+)/)?.[1] ?? 0);
}

describe("two nodes behind HAProxy (docs/haproxy.cfg)", () => {
  it("keeps each polling session on its node, spreads the sessions over both, and answers every echo once", async () => {
    const before = await Promise.all(nodes.map((n) => echoesAnswered(n.url)));
    const sockets = [];
    for (let i = 0; i < 6; i++) sockets.push(await client(["polling"]));
    const answers = await Promise.all(sockets.flatMap((s, i) =>
      Array.from({ length: 5 }, (_, j) => request(s, "message", echo(`p${i}-${j}`), 20_000))));
    answers.forEach((a, k) => {
      assert.equal(a.error, undefined, JSON.stringify(a));
      assert.equal(a.object.content, `p${Math.floor(k / 5)}-${k % 5}`);
    });
    for (const s of sockets) assert.equal(s.io.engine.transport.name, "polling");
    const added = (await Promise.all(nodes.map((n) => echoesAnswered(n.url)))).map((n, i) => n - before[i]);
    assert.equal(added[0] + added[1], 30, `each echo answered once: ${added}`);
    assert.ok(added[0] >= 5 && added[1] >= 5, `both nodes served sessions: ${added}`);
  });

  it("upgrades a session from polling to a websocket through the balancer", async () => {
    const socket = await client(["polling", "websocket"]);
    await waitFor(() => socket.io.engine.transport.name === "websocket", 10_000, "the upgrade to a websocket");
    const answer = await request(socket, "message", echo("upgraded"));
    assert.equal(answer.object.content, "upgraded");
  });

  it("opens websocket-only sessions through the balancer", async () => {
    const socket = await client(["websocket"]);
    assert.equal((await request(socket, "message", echo("websocket"))).object.content, "websocket");
  });
});
