// The two-node mode (issue 16): the throughput phase's closed-loop echo load on a 3-master Redis
// Cluster of Debian's redis-server, first on one gateway node, then split over two nodes on the
// same cluster: msgs/s and echoes per CPU-second of every server process (the hosts, their
// workers and the three redis-servers). On one machine two nodes share its cores, so the figure
// shows the cost of the cluster path and of a second node, not a gain. Then the added latency of a
// session attached to an instance another node holds (both nodes share a cluster.secret): one
// session on each node with the same credentials of the e2e `testchat` platform (built by
// `mvn install` into e2e/chat-platform/target), sequential `send` round trips from the session on
// the holder's node, then from the one on the other node (its jobs forwarded to the holder).
import { existsSync } from "node:fs";
import { TESTCHAT, contextFor, startRedisCluster } from "../../e2e/lib/harness.mjs";
import { onCleanup } from "./cleanup.mjs";
import { closedLoop, connectOnce, openSockets, request } from "./clients.mjs";
import { cpuDelta, cpuSnapshot, serverSet } from "./measure.mjs";
import { fmt, heading, line, note, percentile, progress, round } from "./report.mjs";
import { BENCH_CONFIG, startHost } from "./server.mjs";

/** Both nodes share instances: the same cluster.secret (the benchmark's own; loopback only). */
const SHARED = { ...BENCH_CONFIG, cluster: { secret: "the benchmark's cluster secret, 32+ characters" } };

export async function cluster(ctx) {
  const { clients, warmup, seconds } = ctx.opts;
  heading(`cluster: ${clients} closed-loop clients on a 3-master Redis Cluster, on one gateway node, then split over two`);
  const redis = await startRedisCluster({ masters: 3 });
  const unregister = onCleanup(() => redis.stop());
  const redisArgs = ["--redis.cluster.nodes", redis.nodes.join(",")];
  const hosts = [];
  const chat = existsSync(TESTCHAT);
  const options = { redisArgs, config: SHARED, deploy: chat ? [TESTCHAT] : [] };
  try {
    hosts.push(await startHost(null, options));
    progress(`cluster, one node: ${warmup} s warm-up, ${seconds} s measured`);
    const one = await echoes(hosts, redis.pids, clients, warmup, seconds);
    report("one node", one);
    hosts.push(await startHost(null, options));
    progress(`cluster, two nodes: ${warmup} s warm-up, ${seconds} s measured`);
    const two = await echoes(hosts, redis.pids, clients, warmup, seconds);
    report("two nodes", two);
    note(`(the single-Redis figure is the throughput phase's; each run here after its own ${warmup} s warm-up; a new node's`);
    note(` JVMs warm up within that run, so the two-node figure includes the second node's warm-up if --warmup is short)`);
    Object.assign(ctx.figures, {
      clusterOneNodeMsgsPerS: round(one.perS), clusterOneNodeEchoesPerCpuS: round(one.perCpuS),
      clusterTwoNodesMsgsPerS: round(two.perS), clusterTwoNodesEchoesPerCpuS: round(two.perCpuS),
    });
    if (!chat) {
      note(`(no cross-node latency: ${TESTCHAT} is missing; mvn install builds it)`);
    } else {
      progress("cluster: a session attached across nodes");
      const cross = await crossNode(hosts, ctx.opts.samples);
      line("same node: send p50 / p99", `${fmt(cross.local.p50, 2)} / ${fmt(cross.local.p99, 2)} ms (the holder's node)`);
      line("across nodes: send p50 / p99", `${fmt(cross.remote.p50, 2)} / ${fmt(cross.remote.p99, 2)} ms (forwarded to the holder)`);
      line("added by the other node: p50", `${fmt(cross.remote.p50 - cross.local.p50, 2)} ms`);
      note(`(${cross.samples} sequential testchat sends each after ${cross.warmup} uncounted; each also pushes to both sessions)`);
      Object.assign(ctx.figures, {
        sameNodeSendP50Ms: round(cross.local.p50, 2), sameNodeSendP99Ms: round(cross.local.p99, 2),
        crossNodeSendP50Ms: round(cross.remote.p50, 2), crossNodeSendP99Ms: round(cross.remote.p99, 2),
      });
    }
  } finally {
    for (const host of hosts) await host.stop();
    await redis.stop();
    unregister();
  }
}

/** One session per node on one testchat instance (held by the first node); sequential sends from each. */
async function crossNode(hosts, samples) {
  const CHAT = contextFor("testchat");
  const actor = { id: "bench", type: "person" };
  const send = { "@context": CHAT, type: "send", actor, target: { id: "#room", type: "room" }, object: { type: "message", content: "hi" } };
  const sockets = [];
  try {
    for (const host of hosts) {
      const socket = await connectOnce(host.url);
      sockets.push(socket);
      const stored = await request(socket, "credentials",
        { "@context": CHAT, type: "credentials", actor, object: { type: "credentials", password: "bench" } }, 30_000);
      if (stored?.error) throw new Error(`credentials: ${stored.error}`);
      const connected = await request(socket, "message", { "@context": CHAT, type: "connect", actor }, 60_000);
      if (connected?.error) throw new Error(`connect: ${connected.error}`);
    }
    const warmup = Math.min(500, samples);
    const count = Math.min(samples, 3000);
    const timed = async (socket) => {
      for (let i = 0; i < warmup; i++) await request(socket, "message", send, 30_000);
      const rtt = [];
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        const ack = await request(socket, "message", send, 30_000);
        rtt.push(performance.now() - t);
        if (ack?.error) throw new Error(`send answered with an error: ${ack.error}`);
      }
      rtt.sort((a, b) => a - b);
      return { p50: percentile(rtt, 0.5), p99: percentile(rtt, 0.99) };
    };
    const local = await timed(sockets[0]);
    const remote = await timed(sockets[1]);
    return { local, remote, samples: count, warmup };
  } finally {
    sockets.forEach((s) => s.close());
  }
}

/** The closed loop over `hosts`, its clients split evenly; CPU of every host's processes and the cluster's. */
async function echoes(hosts, redisPids, clients, warmup, seconds) {
  const per = hosts.map((_, i) => Math.floor(clients / hosts.length) + (i < clients % hosts.length ? 1 : 0));
  const opened = await Promise.all(hosts.map((h, i) => openSockets(h.url, per[i], per[i])));
  try {
    const failed = opened.find((o) => o.failures);
    if (failed) throw new Error(`${failed.failures} clients could not connect: ${failed.firstError}`);
    const procs = () => [
      ...hosts.flatMap((h, i) => serverSet(h.pid).map((p) => ({ ...p, name: `node ${i + 1} ${p.name}` }))),
      ...redisPids.map((pid) => ({ pid, name: "redis-servers" })),
    ];
    let before;
    let after;
    const load = await closedLoop(opened.flatMap((o) => o.sockets), {
      warmupS: warmup, measureS: seconds,
      atStart: () => { before = cpuSnapshot(procs()); },
      atEnd: () => { after = cpuSnapshot(procs()); },
    });
    const cpu = cpuDelta(before, after);
    return { ...load, perS: load.echoes / load.elapsedS, perCpuS: cpu.total > 0 ? load.echoes / cpu.total : null, cpu, per };
  } finally {
    opened.forEach((o) => o.close());
  }
}

function report(what, run) {
  line(`${what}: msgs/s`, `${fmt(run.perS)} echoes/s (clients per node: ${run.per.join(", ")})`);
  line(`${what}: echoes per CPU-second`, `${fmt(run.perCpuS)} echoes/CPU-s`);
  note(`(${fmt(run.echoes)} acked echoes in ${fmt(run.elapsedS, 1)} s; ${run.errors} errors${run.firstError ? `, first: ${run.firstError}` : ""};`);
  note(` CPU-s: ${Object.entries(run.cpu.byName).map(([n, s]) => `${n} ${fmt(s, 2)}`).join(", ")}; total ${fmt(run.cpu.total, 2)})`);
}
