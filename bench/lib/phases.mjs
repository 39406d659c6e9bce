// The benchmark's phases, one function each. Every phase gets the run's context
//   { opts, redis: { url, pid }, figures, host(kind), keep, rest, snapshotJvms(host) }
// prints its figures as it goes, and puts them into ctx.figures (the final JSON line).
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import {
  closedLoop, connectionSetup, openLoop, connectOnce, connectRetrying, echoLatency, ECHO, openSockets,
} from "./clients.mjs";
import { cpuDelta, cpuSnapshot, sampleRss, serverSet } from "./measure.mjs";
import { useEachPlatform } from "./platforms.mjs";
import { machineCpu, memoryOf, openFilesLimit, rssKb } from "./proc.mjs";
import { fmt, heading, line, mb, median, note, percentile, progress, round } from "./report.mjs";
import { sleep, withHost } from "./server.mjs";
import { cluster } from "./cluster.mjs";

const ACK_TIMEOUT_MS = 30_000;

/** How busy the machine was, and how much of it was other work (competing for the same cores). */
const othersText = (machineS, oursS, elapsedS) =>
  `the machine's ${cpus().length} cores were ${fmt((100 * machineS) / (elapsedS * cpus().length))}% busy (/proc/stat); ` +
  `everything else on it used ${fmt(Math.max(0, machineS - oursS), 2)} CPU-s`;

/** Prints per-process RSS (and PSS) lines and the total. */
function printMemory(title, mem, { pss = true } = {}) {
  note(title);
  for (const p of mem.procs) {
    note(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} RSS ${fmt(mb(p.rssKb), 1).padStart(7)} MB` +
      (pss ? `   PSS ${fmt(mb(p.pssKb), 1).padStart(7)} MB` : ""));
  }
  note(`  ${"total".padEnd(24)} ${"".padEnd(12)} RSS ${fmt(mb(mem.rssKb), 1).padStart(7)} MB` +
    (pss ? `   PSS ${fmt(mb(mem.pssKb), 1).padStart(7)} MB` : ""));
}
const memoryFigure = (mem) => ({
  totalRssMb: mb(mem.rssKb), totalPssMb: mb(mem.pssKb),
  processes: mem.procs.map((p) => ({ name: p.name, rssMb: mb(p.rssKb), pssMb: mb(p.pssKb) })),
});

/**
 * 1 and 2: launch → listening and launch → first dummy echo ack. Each launch is a fresh host on
 * the same Redis; a client starts connecting at the spawn and retries 20 ms after each failure.
 */
export async function launch(ctx) {
  const { launches } = ctx.opts;
  heading(`launch: ${launches} fresh hosts on one Redis; a websocket client connects from the spawn on, retrying 20 ms after each connect_error`);
  const runs = [];
  for (let i = 0; i < launches; i++) {
    if (i > 0) await sleep(2000); // let the previous host's exit settle
    runs.push(await withHost(ctx.redis.url, async (host) => {
      let sentAt;
      let ackAt;
      let ack;
      const socket = await connectRetrying(host.url, {
        deadline: host.spawnedAt + 180_000,
        gaveUp: () => !host.alive(),
        onConnect: (s) => {
          sentAt = performance.now();
          s.emit("message", ECHO, (a) => { ackAt = performance.now(); ack = a; });
        },
      }).catch((e) => { throw new Error(`${e.message}; host log:\n${host.log().slice(-3000)}`); });
      const listeningMs = sentAt - host.spawnedAt;
      const logLineMs = await host.listening.catch(() => null);
      const deadline = sentAt + ACK_TIMEOUT_MS;
      while (ackAt === undefined && performance.now() < deadline && host.alive()) await sleep(5);
      socket.close();
      if (ackAt === undefined && !host.alive()) throw new Error(`the host exited before the echo's ack; log:\n${host.log().slice(-3000)}`);
      if (i === launches - 1 && !ctx.jvm) ctx.snapshotJvms(host);
      await host.stop();
      const echoMs = ackAt === undefined ? null : ackAt - host.spawnedAt;
      progress(`launch ${i + 1}: connect ${Math.round(listeningMs)} ms, echo ack ${echoMs === null ? "TIMEOUT" : Math.round(echoMs)} ms`);
      return { listeningMs, logLineMs, echoMs, ackError: ack?.error ?? null };
    }));
  }
  const show = (x) => (x === null ? "TIMEOUT" : fmt(x));
  const showEcho = (r) => (r.echoMs === null ? "TIMEOUT" : r.ackError ? `ERROR after ${fmt(r.echoMs)}` : fmt(r.echoMs));
  const listening = median(runs.map((r) => r.listeningMs));
  // a launch without an echo (no ack within 30 s, or an error ack) counts as infinitely slow
  const echo = median(runs.map((r) => (r.echoMs === null || r.ackError ? Infinity : r.echoMs)));
  line("launch → listening", `${fmt(listening)} ms median; all: ${runs.map((r) => show(r.listeningMs)).join(", ")} ms`,
    "launchToListeningMs", listening);
  note(`(to the client's Socket.IO connect; the host's "listening" log line came at ${runs.map((r) => show(r.logLineMs)).join(", ")} ms)`);
  line("launch → first dummy echo ack", `${echo === Infinity ? "TIMEOUT" : fmt(echo)} ms median; all: ${runs.map(showEcho).join(", ")} ms`,
    "launchToFirstEchoMs", echo);
  note(`(the echo is emitted in the connect event; TIMEOUT = no ack within ${ACK_TIMEOUT_MS / 1000} s of the connect)`);
  for (const r of runs.filter((x) => x.ackError)) note(`an echo was answered with an error: ${r.ackError}`);
  Object.assign(ctx.figures, {
    launchToListeningMs: round(listening), launchToListeningAllMs: runs.map((r) => round(r.listeningMs)),
    launchToListeningLogLineMs: runs.map((r) => round(r.logLineMs)),
    launchToFirstEchoMs: echo === Infinity ? "TIMEOUT" : round(echo),
    launchToFirstEchoAllMs: runs.map((r) => (r.echoMs === null ? "TIMEOUT" : r.ackError ? "ERROR" : round(r.echoMs))),
  });
}

/**
 * 3: whole-server RSS/PSS of a fresh host before any use, then at rest after each platform was
 * used once (sessions kept connected) and `settle` seconds of quiet.
 */
export async function footprint(ctx) {
  const { settle } = ctx.opts;
  heading(`footprint: a fresh host (default layout); RSS = VmRSS of /proc/<pid>/status, PSS = Pss of /proc/<pid>/smaps_rollup`);
  const host = await ctx.host("main");
  await sleep(5000);
  const fresh = memoryOf(host.pid);
  line("RSS of the fresh host, before any use", `${fmt(mb(fresh.rssKb), 1)} MB total (PSS ${fmt(mb(fresh.pssKb), 1)} MB)`);
  printMemory(`(listening after ${fmt(host.listeningMs)} ms, boot-time workers ready after ${fmt(host.readyMs)} ms, measured 5 s later)`, fresh);

  progress("using each platform once");
  const used = await useEachPlatform(host.url);
  progress(`settling ${settle} s`);
  ctx.keep.push(used);
  note("each platform used once (sessions kept connected):");
  for (const r of used.results) note(`  ${r.platform.padEnd(9)} ${r.how}: ${r.result} (${fmt(r.ms)} ms)`);
  await sleep(settle * 1000);
  const rest = memoryOf(host.pid);
  ctx.rest = rest;
  ctx.snapshotJvms(host);
  line("RSS at rest, each platform used once", `${fmt(mb(rest.rssKb), 1)} MB total (PSS ${fmt(mb(rest.pssKb), 1)} MB)`,
    "restTotalRssMb", mb(rest.rssKb));
  printMemory(`(measured ${settle} s after the last use)`, rest);
  Object.assign(ctx.figures, {
    freshHost: memoryFigure(fresh),
    restTotalRssMb: mb(rest.rssKb), restTotalPssMb: mb(rest.pssKb), rest: memoryFigure(rest),
    platformsUsed: used.results.map((r) => ({ platform: r.platform, how: r.how, result: r.result })),
  });

  // the sessions leave: the janitor ends their chat instances and workers started on first use stop
  // once idle (workers.idleStopMs); the server is back to what a quiet day costs
  progress("the sessions leave; waiting for idle workers to stop");
  await used.stop();
  ctx.keep.splice(ctx.keep.indexOf(used), 1);
  const leftAt = performance.now();
  const bootWorkers = fresh.procs.length;
  while (memoryOf(host.pid, { pss: false }).procs.length > bootWorkers && performance.now() - leftAt < 180_000) await sleep(1000);
  await sleep(settle * 1000);
  const quiet = memoryOf(host.pid);
  line("RSS at rest, every session gone", `${fmt(mb(quiet.rssKb), 1)} MB total (PSS ${fmt(mb(quiet.pssKb), 1)} MB)`,
    "quietTotalRssMb", mb(quiet.rssKb));
  printMemory(`(the used sessions closed; ${fmt((performance.now() - leftAt) / 1000 - settle)} s until the workers started on first use were stopped, then ${settle} s)`, quiet);
  ctx.rest = quiet; // what the load phase starts from and comes back to
  Object.assign(ctx.figures, { quietTotalRssMb: mb(quiet.rssKb), quietTotalPssMb: mb(quiet.pssKb), quiet: memoryFigure(quiet) });
}

/** 5: KB of host RSS per idle connected websocket socket. */
export async function sockets(ctx) {
  const { sockets: count, parallel, settle } = ctx.opts;
  heading(`sockets: ${fmt(count)} idle websocket Socket.IO clients on a fresh host (${parallel} connecting at a time)`);
  const limit = openFilesLimit();
  if (limit && limit.soft < count + 1000) {
    throw new Error(`ulimit -n is ${limit.soft}: too low for ${count} sockets; run \`ulimit -n 65536\` (or use --sockets ${Math.max(0, limit.soft - 1000)})`);
  }
  const host = await ctx.host("connections");
  await sleep(settle * 1000);
  const beforeKb = rssKb(host.pid);
  progress(`opening ${count} sockets`);
  const t = performance.now();
  const opened = await openSockets(host.url, count, parallel);
  const connectS = (performance.now() - t) / 1000;
  try {
    progress(`${opened.sockets.length} sockets open; settling ${settle} s`);
    await sleep(settle * 1000);
    const afterKb = rssKb(host.pid);
    ctx.snapshotJvms(host);
    const connected = opened.sockets.filter((s) => s.connected).length;
    const perSocket = connected ? (afterKb - beforeKb) / connected : null;
    line("host RSS per idle socket", `${fmt(perSocket, 1)} KB`, "hostKbPerIdleSocket", perSocket);
    note(`(host RSS ${fmt(mb(beforeKb), 1)} MB → ${fmt(mb(afterKb), 1)} MB with ${fmt(connected)} connected, each measured after ${settle} s of quiet;`);
    note(` connecting took ${fmt(connectS, 1)} s; ${opened.failures} failed${opened.firstError ? ` (first: ${opened.firstError})` : ""}; ulimit -n ${limit?.soft})`);
    Object.assign(ctx.figures, {
      hostKbPerIdleSocket: round(perSocket, 1), idleSockets: connected, idleSocketFailures: opened.failures,
      hostRssBeforeSocketsMb: mb(beforeKb), hostRssWithSocketsMb: mb(afterKb),
    });
  } finally {
    opened.close();
    ctx.socketsDone = true;
  }
}

/** 6: full connection setups per second with `parallel` in flight. */
export async function setups(ctx) {
  const { seconds, parallel, setupWarmup } = ctx.opts;
  heading(`setups: connect (websocket) + schemas with ack + credentials with ack (dummy) + disconnect, ${parallel} in parallel`);
  const host = await ctx.host("connections");
  note(ctx.socketsDone ? "(on the sockets phase's host, after its sockets closed)" : "(on a fresh host)");
  await sleep(2000);
  let counting = false;
  let running = true;
  let done = 0;
  let failures = 0;
  let firstError;
  let n = 0;
  const loops = Array.from({ length: parallel }, async () => {
    while (running) {
      try {
        await connectionSetup(host.url, `bench-${n++ % 1000}@dummy`);
        if (counting) done++;
      } catch (e) {
        if (counting) failures++;
        firstError ??= e.message;
        await sleep(10);
      }
    }
  });
  progress(`setups: ${setupWarmup} s warm-up, ${seconds} s measured`);
  await sleep(setupWarmup * 1000);
  const cpuBefore = cpuSnapshot(serverSet(host.pid, ctx.redis.pid));
  const nodeBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const t = performance.now();
  counting = true;
  await sleep(seconds * 1000);
  counting = false;
  const elapsedS = (performance.now() - t) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const server = cpuDelta(cpuBefore, cpuSnapshot(serverSet(host.pid, ctx.redis.pid)));
  const machine = machineCpu().busy - machineBefore.busy;
  const counted = done;
  running = false;
  ctx.snapshotJvms(host);
  await Promise.all(loops);
  const perS = counted / elapsedS;
  const nodeCpuS = (node.user + node.system) / 1e6;
  line("connection setups per second", `${fmt(perS)} setups/s`, "setupsPerSecond", perS);
  note(`(${fmt(counted)} in ${fmt(elapsedS, 1)} s after ${setupWarmup} s uncounted; ${failures} failed${firstError ? `, first: ${firstError}` : ""})`);
  line("node client CPU during the window", `${fmt(nodeCpuS, 2)} CPU-s = ${fmt((100 * nodeCpuS) / elapsedS)}% of one core (process.cpuUsage)`);
  note(`(server: ${Object.entries(server.byName).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(", ")} CPU-s, total ${fmt(server.total, 2)} = ${fmt((100 * server.total) / elapsedS)}% of one core;`);
  note(` ${othersText(machine, server.total + nodeCpuS, elapsedS)})`);
  Object.assign(ctx.figures, {
    setupsPerSecond: round(perS), setupFailures: failures, setupsParallel: parallel,
    setupsClientCpuSeconds: round(nodeCpuS, 2), setupsClientCpuPercent: round((100 * nodeCpuS) / elapsedS),
    setupsServerCpuSeconds: round(server.total, 2), setupsOtherCpuSeconds: round(machine - server.total - nodeCpuS, 2),
  });
}

/**
 * CPU over a load's counted window: `edges` are the load's atStart / atEnd; `result()` gives the
 * server's CPU by process (host, workers, Redis; /proc), the node client's (process.cpuUsage())
 * and the whole machine's busy CPU-s (/proc/stat).
 */
function cpuWindow(host, ctx) {
  let cpuBefore;
  let cpuAfter;
  let nodeBefore;
  let node;
  let machineBefore;
  let machine;
  return {
    edges: {
      atStart: () => {
        cpuBefore = cpuSnapshot(serverSet(host.pid, ctx.redis.pid));
        nodeBefore = process.cpuUsage();
        machineBefore = machineCpu();
      },
      atEnd: () => {
        cpuAfter = cpuSnapshot(serverSet(host.pid, ctx.redis.pid));
        node = process.cpuUsage(nodeBefore);
        machine = machineCpu().busy - machineBefore.busy;
      },
    },
    result: () => ({ cpu: cpuDelta(cpuBefore, cpuAfter), node, machine }),
  };
}

/**
 * 4 and 7: 50 closed-loop clients (msgs/s after warm-up, echoes per CPU-second of host + workers +
 * Redis, peak total RSS), total RSS `after` seconds later, then 1-client echo p50/p99.
 */
export async function throughput(ctx) {
  const { clients, warmup, seconds, samples, after, settle } = ctx.opts;
  heading(`throughput: ${clients} closed-loop websocket clients (each sends its next echo when the last one's ack arrives), then 1 client`);
  let rest = ctx.rest;
  const host = await ctx.host("main");
  if (rest) {
    note("(on the footprint phase's host, after its platform sessions left; \"at rest\" below is that quiet figure)");
  } else {
    await sleep(settle * 1000);
    rest = memoryOf(host.pid);
    note(`(no footprint phase: "at rest" below is this fresh host, no platform used, after ${settle} s)`);
  }
  const socketsOpen = await openSockets(host.url, clients, clients);
  if (socketsOpen.failures) throw new Error(`${socketsOpen.failures} of ${clients} clients could not connect: ${socketsOpen.firstError}`);
  progress(`${clients} clients: ${warmup} s warm-up, ${seconds} s measured`);
  const sampler = sampleRss(host.pid, 500);
  const window = cpuWindow(host, ctx);
  const acked = { total: 0 };
  const curve = warmupCurve(host, ctx, acked, 5000);
  const load = await closedLoop(socketsOpen.sockets, { warmupS: warmup, measureS: seconds, ...window.edges, acked });
  const steps = curve.stop();
  const peak = sampler.stop();
  ctx.snapshotJvms(host);
  socketsOpen.close();
  const { cpu, node, machine } = window.result();
  const msgsPerS = load.echoes / load.elapsedS;
  const perCpuS = cpu.total > 0 ? load.echoes / cpu.total : null;
  line(`msgs/s, ${clients} closed-loop clients`, `${fmt(msgsPerS)} echoes/s`);
  note(`(${fmt(load.echoes)} acked echoes in ${fmt(load.elapsedS, 1)} s after ${warmup} s warm-up; ${load.errors} errors${load.firstError ? `, first: ${load.firstError}` : ""})`);
  line("echoes per CPU-second", `${fmt(perCpuS)} echoes/CPU-s`, "echoesPerCpuSecond", perCpuS);
  // issue 13's warm-up: the figure 10 s after the first echo against the steady window's
  const at10 = steps.find((st) => st.fromS === 10);
  const warmupRatio = at10 && perCpuS ? at10.perCpuS / perCpuS : null;
  line("warm-up: 10–15 s after the first echo", at10 ? `${fmt(at10.perCpuS)} echoes/CPU-s = ${fmt(100 * warmupRatio)}% of the steady figure`
    : `no figure (needs --warmup ≥ 15)`, "warmupPercentOfSteady", warmupRatio === null ? null : 100 * warmupRatio);
  note(`(every 5 s from the load's start, the first echo within its first ms; echoes/CPU-s, msgs/s:`);
  for (let i = 0; i < steps.length; i += 4) {
    note(` ${steps.slice(i, i + 4).map((st) => `${st.fromS}–${st.fromS + 5} s ${fmt(st.perCpuS)}, ${fmt(st.perS)}/s`).join("; ")}`);
  }
  note(` the steady figure is the counted window's, after the ${warmup} s warm-up)`);
  const parts = Object.entries(cpu.byName).map(([n, s]) => `${n} ${fmt(s, 2)}`).join(", ");
  note(`(CPU-s in the window from /proc/<pid>/stat utime+stime: ${parts}; total ${fmt(cpu.total, 2)})`);
  if (!ctx.redis.pid) {
    note(`(redis-server NOT included: ${process.env.REDIS_URL ? "REDIS_URL was given, its pid is unknown" : "its pid was not found"})`);
  }
  if (cpu.lost.length) note(`(processes that ended during the window, CPU not counted: ${cpu.lost.join(", ")})`);
  const nodeCpuS = (node.user + node.system) / 1e6;
  note(`(the node client itself used ${fmt(nodeCpuS, 2)} CPU-s = ${fmt((100 * nodeCpuS) / load.elapsedS)}% of one core;`);
  note(` ${othersText(machine, cpu.total + nodeCpuS, load.elapsedS)})`);

  line("total RSS, peak under load", `${fmt(mb(peak.peakKb), 1)} MB`, "loadPeakTotalRssMb", mb(peak.peakKb));
  note(`(host + all workers, sampled every 500 ms over the ${warmup + seconds} s run, ${peak.samples} samples; at the peak:`);
  note(` ${peak.peakProcs.map((p) => `${p.name} ${fmt(mb(p.rssKb), 0)}`).join(", ")} MB)`);
  progress(`load stopped; waiting ${after} s`);
  await sleep(after * 1000);
  const later = memoryOf(host.pid);
  const ratio = later.rssKb / rest.rssKb;
  line(`total RSS ${after} s after the load`, `${fmt(mb(later.rssKb), 1)} MB = ${fmt(ratio, 2)} × at rest (${fmt(mb(rest.rssKb), 1)} MB)`,
    "afterLoadToRestRatio", ratio);
  note(`(${later.procs.map((p) => `${p.name} ${fmt(mb(p.rssKb), 0)}`).join(", ")} MB)`);

  progress(`1 client: ${samples} echoes`);
  const socket = await connectOnce(host.url);
  let rtt;
  try { rtt = await echoLatency(socket, { warmup: 500, samples }); } finally { socket.close(); }
  const p50 = percentile(rtt, 0.5);
  const p99 = percentile(rtt, 0.99);
  line("echo round trip, 1 client: p50", `${fmt(p50, 2)} ms`, "echoP50Ms", p50);
  line("echo round trip, 1 client: p99", `${fmt(p99, 2)} ms`, "echoP99Ms", p99);
  note(`(${fmt(samples)} sequential echoes after 500 uncounted, on the warmed-up server, after the ${after} s pause)`);
  Object.assign(ctx.figures, {
    msgsPerSecond: round(msgsPerS), clients, echoErrors: load.errors,
    echoesPerCpuSecond: round(perCpuS), cpuSecondsInWindow: round(cpu.total, 2),
    cpuSecondsByProcess: Object.fromEntries(Object.entries(cpu.byName).map(([n, s]) => [n, round(s, 2)])),
    redisCpuIncluded: Boolean(ctx.redis.pid), clientCpuSeconds: round(nodeCpuS, 2),
    otherCpuSecondsInWindow: round(machine - cpu.total - nodeCpuS, 2),
    loadPeakTotalRssMb: mb(peak.peakKb), afterLoadTotalRssMb: mb(later.rssKb),
    restTotalRssMbForRatio: mb(rest.rssKb), afterLoadToRestRatio: round(ratio, 2),
    echoP50Ms: round(p50, 2), echoP99Ms: round(p99, 2), echoSamples: samples,
    warmupPercentOfSteady: round(warmupRatio === null ? null : 100 * warmupRatio),
    warmupCurve: steps.map((st) => ({ fromS: st.fromS, echoesPerCpuSecond: round(st.perCpuS), msgsPerSecond: round(st.perS) })),
  });
}

/**
 * Every `everyMs` from now: acked echoes and server CPU (host, workers, Redis) over the step.
 * stop() returns the whole steps, [{ fromS, perS, perCpuS }].
 */
function warmupCurve(host, ctx, acked, everyMs) {
  const steps = [];
  let last = { acked: acked.total, cpu: cpuSnapshot(serverSet(host.pid, ctx.redis.pid)), at: performance.now() };
  const timer = setInterval(() => {
    const now = { acked: acked.total, cpu: cpuSnapshot(serverSet(host.pid, ctx.redis.pid)), at: performance.now() };
    const cpu = cpuDelta(last.cpu, now.cpu).total;
    const n = now.acked - last.acked;
    steps.push({ fromS: (steps.length * everyMs) / 1000, perS: n / ((now.at - last.at) / 1000), perCpuS: cpu > 0 ? n / cpu : null });
    last = now;
  }, everyMs);
  return { stop: () => { clearInterval(timer); return steps; } };
}

/**
 * Paced: echoes offered at a fixed --rate (open loop, --clients sockets) for --warmup s
 * uncounted and --seconds counted. Below capacity this gives CPU per echo by process, steady
 * however busy the machine is (a saturated closed loop splits the cores between client and
 * server as the scheduler likes); above it (issue 13's overload: twice the capacity) it shows what
 * is served, what is refused with an error ack, and whether anything goes unanswered.
 */
export async function paced(ctx) {
  const { clients, warmup, seconds, rate } = ctx.opts;
  heading(`paced: ${fmt(rate)} echoes/s offered by ${clients} websocket clients (open loop), ${warmup} s warm-up, ${seconds} s counted`);
  const r = await openLoopRun(ctx, { rate, clients, warmup, seconds });
  Object.assign(ctx.figures, {
    pacedOfferedPerSecond: round(r.offered), pacedServedPerSecond: round(r.served),
    pacedRefused: r.load.refused, pacedUnanswered: r.load.unanswered,
    pacedCpuMsPerEcho: round(r.cpuMsPerEcho, 3),
    pacedCpuMsPerEchoByProcess: r.cpuMsPerEchoByProcess,
    pacedEchoesPerCpuSecond: round(r.load.acked / r.cpu.total),
    pacedP50Ms: round(percentile(r.load.rtt, 0.5), 2), pacedP99Ms: round(percentile(r.load.rtt, 0.99), 2),
  });
}

/**
 * Overload (issue 13): twice the capacity offered open loop by --overload-clients sockets. The
 * capacity is the throughput phase's msgs/s on this run, or --capacity, or else measured here
 * first (the same closed loop, --clients clients). Served must stay ≥ 90 % of the capacity; what
 * is not served is refused at once with an error ack; nothing goes unanswered.
 */
export async function overload(ctx) {
  const { clients, warmup, seconds } = ctx.opts;
  const sockets = ctx.opts.overloadClients;
  let capacity = ctx.figures.msgsPerSecond ?? ctx.opts.capacity ?? null;
  let how = ctx.figures.msgsPerSecond ? "the throughput phase's msgs/s" : "--capacity";
  const host = await ctx.host("main");
  if (!capacity) {
    const open = await openSockets(host.url, clients, clients);
    if (open.failures) throw new Error(`${open.failures} of ${clients} clients could not connect: ${open.firstError}`);
    const load = await closedLoop(open.sockets, { warmupS: warmup, measureS: seconds });
    open.close();
    capacity = load.echoes / load.elapsedS;
    how = `measured here: ${clients} closed-loop clients, ${warmup} s warm-up, ${seconds} s counted`;
  }
  const rate = Math.round(2 * capacity);
  heading(`overload: ${fmt(rate)} echoes/s offered = 2 × the capacity of ${fmt(capacity)}/s (${how}), ${sockets} websocket clients, open loop, ${warmup} s warm-up, ${seconds} s counted`);
  const r = await openLoopRun(ctx, { rate, clients: sockets, warmup, seconds });
  const share = (100 * r.served) / capacity;
  line("served, share of the capacity", `${fmt(share)}%`, "overloadServedPercent", share);
  line("unanswered, overload", `${fmt(r.load.unanswered)}`, "overloadUnanswered", r.load.unanswered);
  Object.assign(ctx.figures, {
    overloadCapacityPerSecond: round(capacity), overloadOfferedPerSecond: round(r.offered),
    overloadServedPerSecond: round(r.served), overloadServedPercent: round(share),
    overloadRefused: r.load.refused, overloadUnanswered: r.load.unanswered,
    overloadRefusalP99Ms: round(percentile(r.load.refusedRtt, 0.99), 1) ?? null,
    overloadP50Ms: round(percentile(r.load.rtt, 0.5), 2), overloadP99Ms: round(percentile(r.load.rtt, 0.99), 2),
  });
}

/** An open-loop run on the main host; prints what was offered, served, refused, unanswered. */
async function openLoopRun(ctx, { rate, clients, warmup, seconds }) {
  const host = await ctx.host("main");
  const socketsOpen = await openSockets(host.url, clients, Math.min(clients, 100));
  if (socketsOpen.failures) throw new Error(`${socketsOpen.failures} of ${clients} clients could not connect: ${socketsOpen.firstError}`);
  const window = cpuWindow(host, ctx);
  const load = await openLoop(socketsOpen.sockets, { rate, warmupS: warmup, measureS: seconds, ...window.edges });
  socketsOpen.close();
  const { cpu, node, machine } = window.result();
  const served = load.acked / load.elapsedS;
  const offered = load.sent / load.elapsedS;
  line("offered", `${fmt(offered)} echoes/s (${fmt(load.sent)} in ${fmt(load.elapsedS, 1)} s)`);
  line("served", `${fmt(served)} echoes/s = ${fmt((100 * load.acked) / Math.max(1, load.sent))}% of offered`);
  line("refused with an error ack", `${fmt(load.refused)}${load.firstRefusal ? ` (first: ${load.firstRefusal})` : ""}`);
  if (load.refused) {
    note(`(refusals answered in p50 ${fmt(percentile(load.refusedRtt, 0.5), 1)} ms, p99 ${fmt(percentile(load.refusedRtt, 0.99), 1)} ms)`);
  }
  line("unanswered within 30 s", `${fmt(load.unanswered)}`);
  const perEcho = Object.entries(cpu.byName).map(([n, s]) => `${n} ${fmt((1000 * s) / Math.max(1, load.acked), 3)}`).join(", ");
  const cpuMsPerEcho = (1000 * cpu.total) / Math.max(1, load.acked);
  line("CPU-ms per served echo", `${fmt(cpuMsPerEcho, 3)} (${perEcho})`);
  line("echoes per CPU-second (paced)", `${fmt(load.acked / cpu.total)} echoes/CPU-s`);
  line("round trip under this load", `p50 ${fmt(percentile(load.rtt, 0.5), 2)} ms, p99 ${fmt(percentile(load.rtt, 0.99), 2)} ms`);
  const nodeCpuS = (node.user + node.system) / 1e6;
  note(`(the node client used ${fmt(nodeCpuS, 2)} CPU-s; ${othersText(machine, cpu.total + nodeCpuS, load.elapsedS)})`);
  return {
    load, served, offered, cpu, cpuMsPerEcho,
    cpuMsPerEchoByProcess: Object.fromEntries(Object.entries(cpu.byName).map(([n, s]) => [n, round((1000 * s) / Math.max(1, load.acked), 3)])),
  };
}

/** 8: the JVM options of the host and each worker (from /proc/<pid>/cmdline), and the java version. */
export function jvms(ctx) {
  heading("JVMs: options before the main class or -jar (/proc/<pid>/cmdline), java version (<the process's executable> -version)");
  const snap = ctx.jvm;
  if (!snap) { note("no host was observed"); return; }
  note(`(observed ${snap.when})`);
  for (const p of snap.procs) {
    line(`${p.name} (pid ${p.pid})`, p.options.length ? p.options.join(" ") : "(none)");
    if (p.env.length) note(`environment: ${p.env.join(" ")}`);
  }
  for (const v of snap.versions) line("java", `${v.version} (${v.exe})`);
  ctx.figures.jvms = snap.procs.map((p) => ({ name: p.name, options: p.options, env: p.env }));
  ctx.figures.java = snap.versions.map((v) => v.version);
}

/** The phases in the order they run, with the host each one uses (null: hosts of its own). */
export const PHASES = [
  { name: "launch", run: launch, host: null },
  { name: "footprint", run: footprint, host: "main" },
  { name: "throughput", run: throughput, host: "main" },
  { name: "paced", run: paced, host: "main" },
  { name: "overload", run: overload, host: "main" },
  { name: "sockets", run: sockets, host: "connections" },
  { name: "setups", run: setups, host: "connections" },
  { name: "cluster", run: cluster, host: null },
];
