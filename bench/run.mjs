// The benchmark: starts the real host (hostCommand() of the e2e harness, with a Redis of its
// own) and prints every figure with how it was measured and its goal, then one JSON line.
//
// Usage: node bench/run.mjs [--only launch,footprint,throughput,paced,overload,sockets,setups,cluster]
//          [--launches 3] [--clients 50] [--warmup 20] [--seconds 10] [--samples 5000]
//          [--after 30] [--settle 15] [--sockets 2000] [--parallel 100] [--setup-warmup 10]
//          [--rate 1000] [--overload-clients 100] [--capacity <echoes/s>]
//
// Phases (default: all, run in this order):
//   launch      launch → listening and launch → first dummy echo ack, --launches fresh hosts
//   footprint   RSS/PSS per process of a fresh host, then at rest after each platform was used once
//   throughput  --clients closed-loop clients: msgs/s, echoes per CPU-second, peak RSS, RSS
//               --after s later; the warm-up curve (every 5 s from the first echo); then
//               1-client echo p50/p99 (--samples)
//   paced       echoes offered at --rate per second by --clients sockets (open loop): CPU-ms per
//               echo by process, served / refused / unanswered, latency under that load
//   overload    twice the capacity (the throughput phase's msgs/s, --capacity, or measured first)
//               offered open loop by --overload-clients sockets: served as a share of the
//               capacity, refused (and how fast), unanswered
//   sockets     host RSS per idle websocket socket (--sockets, --parallel connecting at a time)
//   setups      connect + schemas + credentials + disconnect per second, --parallel in flight,
//               for --seconds after --setup-warmup
//   cluster     the throughput load on a 3-master Redis Cluster: one gateway node, then two
// footprint, throughput, paced and overload share one host; sockets and setups another; each launch is its own.
// Needs e2e/node_modules (npm ci in e2e/), a built server, redis-server, and `ulimit -n` above
// --sockets + 1000. Progress and waits go to stderr; figures to stdout.
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { startRedis } from "../e2e/lib/harness.mjs";
import { lastResort, onCleanup, runCleanup } from "./lib/cleanup.mjs";
import { CLIENT_VERSION } from "./lib/clients.mjs";
import { machineYardstick } from "./lib/machine.mjs";
import { jvms, PHASES } from "./lib/phases.mjs";
import {
  childrenOf, cmdline, comm, javaEnvOptions, javaVersion, jvmOptions, killIfSame, serverProcesses, startTicks,
} from "./lib/proc.mjs";
import { fmt, GOALS, goalText, round } from "./lib/report.mjs";
import { startHost } from "./lib/server.mjs";

const NUMBERS = { launches: 3, clients: 50, warmup: 20, seconds: 10, samples: 5000, after: 30, settle: 15,
  sockets: 2000, parallel: 100, "setup-warmup": 10, rate: 1000, "overload-clients": 100, capacity: 0 };

function parseArgs(argv) {
  const opts = { only: PHASES.map((p) => p.name) };
  for (const [k, v] of Object.entries(NUMBERS)) opts[k.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = v;
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    const value = argv[++i];
    if (name === "only") {
      opts.only = value.split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = opts.only.filter((n) => !PHASES.some((p) => p.name === n));
      if (unknown.length) throw new Error(`unknown phase(s): ${unknown.join(", ")} (phases: ${PHASES.map((p) => p.name).join(", ")})`);
    } else if (name in NUMBERS && value !== undefined && Number.isFinite(Number(value))) {
      opts[name.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = Number(value);
    } else {
      throw new Error(`unknown or incomplete option ${argv[i - 1]} (see the usage at the top of bench/run.mjs)`);
    }
  }
  return opts;
}

/** The redis-server our startRedis() spawned (a child of this process), or null. */
function ownRedisPid(url) {
  if (process.env.REDIS_URL) return null;
  const port = new URL(url).port;
  // redis-server retitles itself "redis-server 127.0.0.1:<port>"
  return childrenOf(process.pid).find((pid) => comm(pid) === "redis-server"
    && new RegExp(`(:|\\b)${port}\\b`).test((cmdline(pid) ?? []).join(" "))) ?? null;
}

/**
 * The machine's speed beside the figures (bench/lib/machine.mjs): comparable runs have
 * comparable yardsticks, and a slower machine explains slower figures.
 */
async function yardstick(when) {
  const m = await machineYardstick(ctx.redis.url);
  const tag = when === "start" ? "Start" : "End";
  figures[`machineCpuMs${tag}`] = round(m.cpuMs);
  figures[`machinePingP50Ms${tag}`] = round(m.pingP50Ms, 3);
  figures[`machinePingP99Ms${tag}`] = round(m.pingP99Ms, 3);
  console.log(`\n== machine at the ${when}: 200,000 JSON round trips ${fmt(m.cpuMs, 0)} CPU-ms; Redis PING round trip from this`
    + ` client ${m.pingP50Ms === null ? "n/a" : `p50 ${fmt(m.pingP50Ms, 3)} ms, p99 ${fmt(m.pingP99Ms, 3)} ms`}`);
}

const opts = parseArgs(process.argv.slice(2));
const started = performance.now();
const figures = { date: new Date().toISOString(), loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  socketIoClient: CLIENT_VERSION };
const failures = [];
const hosts = {};
const ctx = {
  opts, figures, keep: [], rest: null, jvm: null,
  redis: null,
  async host(kind) {
    hosts[kind] ??= startHost(ctx.redis.url);
    return hosts[kind];
  },
  async release(kind) {
    const host = await hosts[kind]?.catch(() => null);
    delete hosts[kind];
    if (kind === "main") { for (const k of ctx.keep.splice(0)) await k.stop(); }
    await host?.stop();
  },
  /** Notes the JVM options of the host and its workers (keeps the fullest observation). */
  snapshotJvms(host) {
    const procs = serverProcesses(host.pid).map((p) => {
      const argv = cmdline(p.pid) ?? [];
      return { ...p, options: jvmOptions(argv), env: javaEnvOptions(p.pid), exe: javaVersion(p.pid) };
    });
    if (ctx.jvm && ctx.jvm.procs.length > procs.length) return;
    const versions = [...new Map(procs.filter((p) => p.exe).map((p) => [p.exe.exe, p.exe])).values()];
    ctx.jvm = { procs, versions, when: `on the ${ctx.phase} phase's host, ${procs.length - 1} worker JVM(s) running` };
  },
};

console.log(`Sockethub benchmark, ${figures.date}; load average at start ${figures.loadAverageAtStart.join(" ")}; socket.io-client ${CLIENT_VERSION}`);
try {
  ctx.redis = await startRedis();
  ctx.redis.pid = ownRedisPid(ctx.redis.url);
  onCleanup(() => ctx.redis.stop());
  if (ctx.redis.pid) { const ticks = startTicks(ctx.redis.pid); lastResort(() => killIfSame(ctx.redis.pid, ticks)); }
  await yardstick("start");
  const selected = PHASES.filter((p) => opts.only.includes(p.name));
  for (const [i, phase] of selected.entries()) {
    ctx.phase = phase.name;
    try {
      await phase.run(ctx);
    } catch (e) {
      failures.push(phase.name);
      console.log(`  PHASE ${phase.name} FAILED: ${e.message.split("\n").slice(0, 12).join("\n    ")}`);
      figures[`${phase.name}Error`] = e.message.split("\n")[0];
    }
    if (phase.host && !selected.slice(i + 1).some((p) => p.host === phase.host)) await ctx.release(phase.host);
  }
  jvms(ctx);
  await yardstick("end");
} finally {
  for (const kind of Object.keys(hosts)) await ctx.release(kind);
  await runCleanup(); // also stops Redis, registered first
}

figures.runSeconds = Math.round((performance.now() - started) / 1000);
figures.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
console.log("\n== goals");
for (const key of Object.keys(GOALS)) {
  const value = figures[key];
  const shown = typeof value === "number" ? fmt(value, GOALS[key].digits) : value ?? "n/a";
  const unit = typeof value === "number" ? GOALS[key].unit : "";
  console.log(`  ${key.padEnd(24)} ${shown.padStart(9)} ${unit.padEnd(13)} ${goalText(key, value)}`);
}
console.log(`  (${failures.length ? `phases that failed: ${failures.join(", ")}; ` : ""}run took ${figures.runSeconds} s; load average at the end ${figures.loadAverageAtEnd.join(" ")})`);
console.log(JSON.stringify(figures));
process.exitCode = failures.length ? 1 : 0;
