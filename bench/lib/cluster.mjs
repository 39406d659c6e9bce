// The two-node mode (issue 16): the throughput phase's closed-loop echo load on a 3-master Redis
// Cluster of Debian's redis-server, first on one gateway node, then split over two nodes on the
// same cluster: msgs/s and echoes per CPU-second of every server process (the hosts, their
// workers and the three redis-servers). On one machine two nodes share its cores, so the figure
// shows the cost of the cluster path and of a second node, not a gain.
import { startRedisCluster } from "../../e2e/lib/harness.mjs";
import { onCleanup } from "./cleanup.mjs";
import { closedLoop, openSockets } from "./clients.mjs";
import { cpuDelta, cpuSnapshot, serverSet } from "./measure.mjs";
import { fmt, heading, line, note, progress, round } from "./report.mjs";
import { startHost } from "./server.mjs";

export async function cluster(ctx) {
  const { clients, warmup, seconds } = ctx.opts;
  heading(`cluster: ${clients} closed-loop clients on a 3-master Redis Cluster, on one gateway node, then split over two`);
  const redis = await startRedisCluster({ masters: 3 });
  const unregister = onCleanup(() => redis.stop());
  const redisArgs = ["--redis.cluster.nodes", redis.nodes.join(",")];
  const hosts = [];
  try {
    hosts.push(await startHost(null, { redisArgs }));
    progress(`cluster, one node: ${warmup} s warm-up, ${seconds} s measured`);
    const one = await echoes(hosts, redis.pids, clients, warmup, seconds);
    report("one node", one);
    hosts.push(await startHost(null, { redisArgs }));
    progress(`cluster, two nodes: ${warmup} s warm-up, ${seconds} s measured`);
    const two = await echoes(hosts, redis.pids, clients, warmup, seconds);
    report("two nodes", two);
    note(`(the single-Redis figure is the throughput phase's; each run here after its own ${warmup} s warm-up; a new node's`);
    note(` JVMs warm up within that run, so the two-node figure includes the second node's warm-up if --warmup is short)`);
    Object.assign(ctx.figures, {
      clusterOneNodeMsgsPerS: round(one.perS), clusterOneNodeEchoesPerCpuS: round(one.perCpuS),
      clusterTwoNodesMsgsPerS: round(two.perS), clusterTwoNodesEchoesPerCpuS: round(two.perCpuS),
    });
  } finally {
    for (const host of hosts) await host.stop();
    await redis.stop();
    unregister();
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
