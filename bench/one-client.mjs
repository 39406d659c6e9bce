// Where one client's echo spends its time: the throughput phase's 1-client echoes (after 50
// closed-loop clients and a pause, as in run.mjs), taken apart. A diagnostic beside the benchmark:
// its figures are for comparing two builds on the same machine, not goals.
//
//   node bench/one-client.mjs [--load 15] [--pause 5] [--samples 5000]
//
// It prints, for the counted echoes:
// - CPU µs per echo of each process (/proc/<pid>/stat) and of the busiest threads (/proc/<pid>/task);
// - young collections of the host and each worker (jstat);
// - with tcpdump (root; SEGMENTS=0 to skip): every echo's packets on loopback, so the round trip in
//   segments: client out (send() to the frame on the wire), host in (the frame to the XADD), Redis
//   to worker (the XADD to the XREADGROUP reply), worker (that reply to its EVALSHA), Redis to host
//   (the EVALSHA to the XREAD reply), host out (that reply to the ack frame), client in (the ack
//   frame to the promise). For the middle half of the echoes and the slowest 2 %: mean ms per
//   segment, and in how many slow echoes each segment was the furthest over its typical time.
// Options by environment: PROF_EVENT=cpu|alloc|wall (async-profiler from AP_LIB, its
// libasyncProfiler.so, on the host and workers during the echoes; collapsed stacks written to
// OUT_DIR), PERF_TRACE=host|worker (`perf trace -s` of that process: system calls per thread).
// SOCKETHUB_JAVA_OPTS / BENCH_WORKER_OPTS / SOCKETHUB_LAUNCHER as for run.mjs.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { request, startRedis } from "../e2e/lib/harness.mjs";
import { onCleanup, runCleanup } from "./lib/cleanup.mjs";
import { closedLoop, connectOnce, ECHO, openSockets } from "./lib/clients.mjs";
import { childrenOf, CLK_TCK, comm, cpuSeconds, serverProcesses } from "./lib/proc.mjs";
import { sleep, startHost } from "./lib/server.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const LOAD = arg("load", 15), PAUSE = arg("pause", 5), SAMPLES = arg("samples", 5000);
const OUT = process.env.OUT_DIR ?? join(tmpdir(), "sockethub-one-client");
mkdirSync(OUT, { recursive: true });
const has = (tool) => { try { execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }); return true; } catch { return false; } };

/** local port → process name (from `ss -tnp`), for the processes in `names` (pid → name). */
function portOwners(names) {
  const owners = new Map();
  for (const line of execFileSync("ss", ["-tnpH"], { encoding: "utf8" }).split("\n")) {
    const m = line.match(/\s\S+:(\d+)\s+\S+:\d+\s+users:\(\("[^"]+",pid=(\d+)/);
    if (m && names.has(Number(m[2]))) owners.set(Number(m[1]), names.get(Number(m[2])));
  }
  return owners;
}

/** thread key (process/tid/name) → CPU seconds, for every process of `names` but the client. */
function threadCpu(names) {
  const out = new Map();
  for (const [pid, n] of names) {
    if (n === "client") continue;
    let tids = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
        out.set(`${n}/${tid}/${st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"))}`, (Number(f[11]) + Number(f[12])) / CLK_TCK);
      } catch { /* ended */ }
    }
  }
  return out;
}

/** Young collections so far of each JVM of `names`. */
function collections(names) {
  return [...names].filter(([, n]) => n === "host" || n === "worker").map(([pid, n]) => {
    const [head, values] = execFileSync("jstat", ["-gc", String(pid)], { encoding: "utf8" }).trim().split("\n").map((l) => l.trim().split(/\s+/));
    const v = Object.fromEntries(head.map((h, i) => [h, Number(values[i])]));
    return { n, ygc: v.YGC, ygct: v.YGCT, edenMb: v.EC / 1024 };
  });
}

/** Per echo, the segment times (ms) from the packets of its send..ack window; null where one is missing. */
function segments(packets, sends) {
  // the first packet of each kind after the last; XADD, XREADGROUP and XREAD replies and EVALSHA carry a sealed job (> 400 bytes)
  const MARKS = [["client>host", 0], ["host>redis", 400], ["redis>worker", 400], ["worker>redis", 400], ["redis>host", 400], ["host>client", 0]];
  let p = 0;
  return sends.map(([s, e]) => {
    while (p < packets.length && packets[p].t < s) p++;
    const at = [s];
    let q = p;
    for (const [hop, min] of MARKS) {
      while (q < packets.length && packets[q].t <= e && !(packets[q].hop === hop && packets[q].len > min)) q++;
      at.push(q < packets.length && packets[q].t <= e ? packets[q].t : null);
    }
    at.push(e);
    return { ms: e - s, seg: at.includes(null) ? null : at.slice(1).map((t, i) => t - at[i]) };
  });
}

try {
  const redis = await startRedis();
  onCleanup(() => redis.stop());
  const redisPort = Number(new URL(redis.url).port);
  const host = await startHost(redis.url);
  const hostPort = Number(new URL(host.url).port);
  if (LOAD > 0) {
    const open = await openSockets(host.url, 50, 50);
    await closedLoop(open.sockets, { warmupS: LOAD, measureS: 1 });
    open.close();
  }
  await sleep(PAUSE * 1000);
  const socket = await connectOnce(host.url);
  for (let i = 0; i < 500; i++) await request(socket, "message", ECHO, 30_000);

  const names = new Map([[host.pid, "host"], [process.pid, "client"]]);
  for (const p of serverProcesses(host.pid)) if (p.pid !== host.pid) names.set(p.pid, "worker");
  const redisPid = childrenOf(process.pid).find((pid) => comm(pid) === "redis-server");
  if (redisPid) names.set(redisPid, "redis");
  const owners = portOwners(names);
  owners.set(redisPort, "redis");
  owners.set(hostPort, "host");

  const capture = join(OUT, "packets.txt");
  const tcpdump = process.env.SEGMENTS !== "0" && has("tcpdump")
    ? spawn("sh", ["-c", `exec tcpdump -i lo -n -tt -l -q 'tcp and (port ${redisPort} or port ${hostPort})' > ${capture} 2>/dev/null`])
    : null;
  if (tcpdump) await sleep(1500);
  const tracer = process.env.PERF_TRACE
    ? [...names].filter(([, n]) => n === process.env.PERF_TRACE).map(([pid]) =>
      spawn("perf", ["trace", "-s", "-p", String(pid), "-o", join(OUT, `perf-trace-${process.env.PERF_TRACE}.txt`)]))
    : [];
  if (tracer.length) await sleep(1000);
  const profiled = process.env.PROF_EVENT ? [...names].filter(([, n]) => n === "host" || n === "worker") : [];
  const agent = (pid, what) => execFileSync("jcmd", [String(pid), "JVMTI.agent_load", process.env.AP_LIB ?? "libasyncProfiler.so", `"${what}"`], { encoding: "utf8" });
  for (const [pid] of profiled) agent(pid, `start,event=${process.env.PROF_EVENT},interval=${process.env.PROF_INTERVAL ?? (process.env.PROF_EVENT === "alloc" ? "64k" : "1ms")}`);

  const gcBefore = collections(names);
  const processCpu = () => [...names].map(([pid, n]) => [n, n === "client" ? (process.cpuUsage().user + process.cpuUsage().system) / 1e6 : cpuSeconds(pid)]);
  const cpuBefore = processCpu();
  const threadsBefore = threadCpu(names);
  const sends = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.timeOrigin + performance.now();
    const ack = await request(socket, "message", ECHO, 30_000);
    sends.push([t, performance.timeOrigin + performance.now()]);
    if (ack?.error) throw new Error(`echo answered with an error: ${ack.error}`);
  }
  const cpuAfter = processCpu();
  const threadsAfter = threadCpu(names);
  const gcAfter = collections(names);
  for (const [pid, n] of profiled) agent(pid, `stop,file=${join(OUT, `${n}-${pid}-${process.env.PROF_EVENT}.collapsed`)},collapsed`);
  for (const t of tracer) { t.kill("SIGINT"); await new Promise((r) => t.once("exit", r)); }
  socket.close();

  const perEcho = (s) => ((s * 1e6) / SAMPLES).toFixed(0);
  console.log(`${SAMPLES} echoes on one socket after ${LOAD} s of 50 clients and ${PAUSE} s quiet`);
  console.log(`CPU µs per echo: ${cpuAfter.map(([n, c], i) => `${n} ${perEcho(c - cpuBefore[i][1])}`).join(", ")}`);
  const threads = [...threadsAfter].map(([k, v]) => [k.replace(/\/\d+\//, " "), v - (threadsBefore.get(k) ?? 0)])
    .filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log(`  busiest threads: ${threads.map(([k, d]) => `${k} ${perEcho(d)}`).join(", ")}`);
  gcAfter.forEach((g, i) => console.log(`young collections, ${g.n}: ${g.ygc - gcBefore[i].ygc} (${((g.ygct - gcBefore[i].ygct) * 1000).toFixed(0)} ms), eden ${g.edenMb.toFixed(1)} MB`));
  const all = sends.map(([s, e]) => e - s).sort((a, b) => a - b);
  const pct = (a, q) => a[Math.min(a.length - 1, Math.floor(q * a.length))];
  console.log(`round trip: p50 ${pct(all, 0.5).toFixed(3)}, p90 ${pct(all, 0.9).toFixed(3)}, p99 ${pct(all, 0.99).toFixed(3)} ms; over 2 ms: ${all.filter((x) => x > 2).length}`);

  if (tcpdump) {
    await sleep(500);
    tcpdump.kill("SIGINT");
    await new Promise((r) => tcpdump.once("exit", r));
    const packets = [];
    for (const line of readFileSync(capture, "utf8").split("\n")) {
      // 1796684126.284809 IP 127.0.0.1.38097 > 127.0.0.1.35040: tcp 702
      const m = line.match(/^(\d+\.\d+) IP [\d.]+\.(\d+) > [\d.]+\.(\d+): tcp (\d+)/);
      if (!m || Number(m[4]) === 0) continue;
      packets.push({ t: Number(m[1]) * 1000, hop: `${owners.get(Number(m[2])) ?? "?"}>${owners.get(Number(m[3])) ?? "?"}`, len: Number(m[4]) });
    }
    rmSync(capture, { force: true });
    const echoes = segments(packets, sends).sort((a, b) => a.ms - b.ms);
    const NAMES = ["client out", "host in", "Redis to worker", "worker", "Redis to host", "host out", "client in"];
    const band = (lo, hi) => echoes.slice(Math.floor(lo * echoes.length), Math.floor(hi * echoes.length)).filter((x) => x.seg);
    const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
    const typical = band(0.25, 0.75), slow = band(0.98, 1);
    const tm = NAMES.map((_, i) => mean(typical.map((x) => x.seg[i])));
    const sm = NAMES.map((_, i) => mean(slow.map((x) => x.seg[i])));
    const furthest = NAMES.map(() => 0);
    for (const x of slow) {
      let w = 0;
      for (let i = 1; i < NAMES.length; i++) if (x.seg[i] - tm[i] > x.seg[w] - tm[w]) w = i;
      furthest[w]++;
    }
    console.log(`segments (${echoes.filter((x) => !x.seg).length} echoes without every packet left out): mean ms, middle half | slowest 2 %, furthest over in`);
    NAMES.forEach((n, i) => console.log(`  ${n.padEnd(16)} ${tm[i].toFixed(3)} | ${sm[i].toFixed(3)}  ${furthest[i]}`));
    console.log(`  ${"whole".padEnd(16)} ${mean(typical.map((x) => x.ms)).toFixed(3)} | ${mean(slow.map((x) => x.ms)).toFixed(3)}`);
  } else {
    console.log(`(no segments: ${process.env.SEGMENTS === "0" ? "SEGMENTS=0" : "tcpdump not found"})`);
  }
  if (profiled.length || tracer.length) console.log(`(profiles and traces in ${OUT})`);
} finally {
  await runCleanup();
}
