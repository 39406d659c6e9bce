// Worker hosts (issue 16, part 4): `./sockethub --workers-only` with the gateway nodes'
// cluster.secret joins their Redis and runs the jobs of their stateless platforms beside the
// nodes' own workers. Two nodes and a worker host on a real 3-master Redis Cluster here; feeds fetches from a loopback fixture
// that answers slowly, so that several are in flight at once: the worker host takes some of each
// node's (its fetches carry its own User-Agent); killed with SIGKILL in the middle of its jobs,
// every job is still answered, once (a fetch is idempotent: the node runs it again).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, contextFor, hostCommand, request, startHost, startRedisCluster, waitFor } from "../lib/harness.mjs";
import { startFixtures } from "../lib/http-fixtures.mjs";

const SECRET = "an e2e cluster secret for worker hosts, 32+ chars";
const AGENT = "sockethub-worker-host-e2e";
const FEEDS = contextFor("feeds");
let redis;
let fixtures;
let nodes = [];
let workerHost;
const open = [];

function startWorkerHost() {
  const dir = mkdtempSync(join(tmpdir(), "sockethub-workerhost-"));
  const config = join(dir, "sockethub.config.json");
  writeFileSync(config, JSON.stringify({
    cluster: { secret: SECRET },
    workerHost: { platforms: ["feeds", "metadata"] },
    packageConfig: { feeds: { allowPrivateAddresses: true, userAgent: AGENT } },
  }));
  const child = spawn(...hostCommand(["--workers-only", "--config", config, "--redis.cluster.nodes", redis.nodes.join(",")]),
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (c) => { log += c; });
  child.stderr.on("data", (c) => { log += c; });
  return {
    child, log: () => log,
    // a process killed by a signal has no exit code, only its signal
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      child.once("exit", ok);
      child.kill("SIGTERM");
    }),
  };
}

before(async () => {
  redis = await startRedisCluster({ masters: 3 });
  fixtures = await startFixtures();
  const config = { cluster: { secret: SECRET }, packageConfig: { feeds: { allowPrivateAddresses: true } } };
  const args = ["--redis.cluster.nodes", redis.nodes.join(",")];
  nodes = await Promise.all([startHost({ redisUrl: null, args, config }), startHost({ redisUrl: null, args, config })]);
  workerHost = startWorkerHost();
  // a worker for each node, ready
  await waitFor(() => (workerHost.log().match(/worker for feeds\+metadata@\S+ ready/g) ?? []).length >= 2, 60_000,
    `the worker host's workers ready; its log:\n${workerHost.log()}`);
});
after(async () => {
  open.forEach((s) => s.close());
  await workerHost?.stop();
  for (const node of nodes) await node.stop();
  await fixtures?.stop();
  await redis?.stop();
});

const fetch = (url) => ({ "@context": FEEDS, type: "fetch", actor: { id: url, type: "feed" } });

/** `count` fetches at once from a socket on each node, each answered by the fixture after `ms`. */
async function fetchesFromBothNodes(tag, count, ms) {
  const sockets = await Promise.all(nodes.map((n) => connect(n.url, ["websocket"])));
  open.push(...sockets);
  const acks = new Map();
  const sent = sockets.flatMap((socket, n) => Array.from({ length: count }, (_, i) => {
    const path = `/delay/${ms}/complete-rss.xml?${tag}=${n}-${i}`;
    return request(socket, "message", fetch(`${fixtures.base}${path}`), 90_000).then((ack) => {
      acks.set(path, (acks.get(path) ?? 0) + 1);
      return { path, ack };
    });
  }));
  return { sent: Promise.all(sent), acks };
}

describe("a worker host (--workers-only)", () => {
  it("says what it runs, and for which nodes", () => {
    assert.match(workerHost.log(), /worker host wh-\w+ running \[feeds, metadata\]/);
  });

  it("takes feeds jobs of both nodes beside their own workers; each is answered once", async () => {
    const { sent, acks } = await fetchesFromBothNodes("share", 16, 1500);
    const answers = await sent;
    for (const { path, ack } of answers) {
      assert.equal(ack.error, undefined, `${path}: ${JSON.stringify(ack).slice(0, 300)}`);
      assert.equal(ack.type, "collection");
    }
    assert.equal(acks.size, 32);
    assert.ok([...acks.values()].every((n) => n === 1));
    for (const n of [0, 1]) {
      const byHost = fixtures.seen.filter((r) => r.path.includes(`share=${n}-`) && r.agent === AGENT);
      assert.ok(byHost.length > 0, `the worker host fetched for node ${n}: ${JSON.stringify(fixtures.seen.filter((r) => r.path.includes("share=")))}`);
    }
  });

  it("a worker of it killed mid-job: what it had taken is answered once with an error, the rest served; another starts", async () => {
    const started = (workerHost.log().match(/worker for feeds\+metadata of node \S+ started/g) ?? []).length;
    const pids = [...workerHost.log().matchAll(/worker for feeds\+metadata of node \S+ started \(pid (\d+)/g)].map((m) => Number(m[1]));
    const { sent, acks } = await fetchesFromBothNodes("worker", 16, 3000);
    await waitFor(() => fixtures.seen.some((r) => r.path.includes("worker=") && r.agent === AGENT), 10_000, "the worker host fetching");
    for (const pid of pids) process.kill(pid, "SIGKILL");
    const answers = await sent;
    assert.equal(acks.size, 32);
    assert.ok([...acks.values()].every((n) => n === 1), "one answer each");
    const errors = answers.filter(({ ack }) => ack.error !== undefined).map(({ ack }) => ack.error);
    assert.ok(errors.length > 0, "the fetches the killed workers ran");
    assert.deepEqual([...new Set(errors)], ["Error: session thread closed unexpectedly: the worker host's worker stopped"]);
    await waitFor(() => (workerHost.log().match(/worker for feeds\+metadata of node \S+ ready/g) ?? []).length >= started + 2, 30_000,
      `new workers ready; the worker host's log:\n${workerHost.log()}`);
  });

  it("killed with SIGKILL mid-job: every job still gets one answer, within the job timeout", async () => {
    const { sent, acks } = await fetchesFromBothNodes("kill", 16, 4000);
    await waitFor(() => fixtures.seen.some((r) => r.path.includes("kill=") && r.agent === AGENT), 10_000, "the worker host fetching");
    const killedAt = Date.now();
    process.kill(workerHost.child.pid, "SIGKILL");
    const answers = await sent;
    assert.equal(answers.length, 32);
    assert.equal(acks.size, 32);
    assert.ok([...acks.values()].every((n) => n === 1), "one answer each");
    const failed = answers.filter(({ ack }) => ack.error !== undefined);
    // fetch is idempotent: what the worker host had taken runs again on the node's own worker
    assert.deepEqual(failed.map(({ ack }) => ack.error), [], "run again rather than failed");
    assert.ok(Date.now() - killedAt < 30_000, `answered ${Date.now() - killedAt} ms after the kill`);
    const byHost = fixtures.seen.filter((r) => r.path.includes("kill=") && r.agent === AGENT).map((r) => r.path);
    const again = byHost.filter((path) => fixtures.seen.some((r) => r.path === path && r.agent !== AGENT));
    assert.ok(again.length > 0, `a job the worker host had taken ran again on its node: ${JSON.stringify(byHost)}`);
    await waitFor(() => nodes.every((n) => /worker host wh-\w+ stopped; \d+ job\(s\) it had taken from this node answered/.test(n.log())),
      15_000, "each node noticed the worker host's death");
  });

  it("stopped with SIGTERM mid-job: its workers finish what they run, every job gets one answer", async () => {
    workerHost = startWorkerHost();
    await waitFor(() => (workerHost.log().match(/worker for feeds\+metadata@\S+ ready/g) ?? []).length >= 2, 60_000,
      `the new worker host's workers ready; its log:\n${workerHost.log()}`);
    const { sent, acks } = await fetchesFromBothNodes("term", 16, 2000);
    await waitFor(() => fixtures.seen.some((r) => r.path.includes("term=") && r.agent === AGENT), 10_000, "the worker host fetching");
    const stopped = workerHost.stop();
    const answers = await sent;
    await stopped;
    assert.equal(acks.size, 32);
    assert.ok([...acks.values()].every((n) => n === 1), "one answer each");
    assert.deepEqual(answers.filter(({ ack }) => ack.error !== undefined).map(({ ack }) => ack.error), []);
    assert.match(workerHost.log(), /worker host wh-\w+ stopped/);
  });
});
