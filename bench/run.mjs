// The benchmark: starts the real host (with its own Redis, like the e2e tests) and prints
//   launch → listening, first echo after listening, echo round trip p50/p99 with one client,
//   and msgs/s with 50 closed-loop clients (websocket, raw socket.io-client, the dummy echo of
//   observed-wire.md), plus the resident memory of the host and the worker.
// Usage: node bench/run.mjs [--clients 50] [--seconds 10] [--samples 5000] [--launches 3]
// Needs e2e/node_modules (npm ci in e2e/) and a built server (./sockethub --version).
import { readFileSync } from "node:fs";
import { connect, contextFor, request, startHost, startRedis } from "../e2e/lib/harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg("clients", 50);
const SECONDS = arg("seconds", 10);
const SAMPLES = arg("samples", 5000);
const LAUNCHES = arg("launches", 3);
const WARMUP = arg("warmup", 20);

// observed-wire.md's raw echo frame
const ECHO = {
  type: "echo", "@context": contextFor("dummy"),
  actor: { id: "raw", type: "person" }, object: { type: "message", content: "raw" },
};
const CONFIG = { rateLimiter: { maxRequests: 1000000, maxConnectionsPerIp: 0 } };

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const ms = (ns) => Number(ns) / 1e6;
const rssMb = (pid) => {
  try {
    const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);
    return (kb / 1024).toFixed(0);
  } catch { return "?"; }
};

async function launchOnce(redisUrl) {
  const host = await startHost({ redisUrl, config: CONFIG });
  const t0 = process.hrtime.bigint();
  const socket = await connect(host.url, ["websocket"]);
  const answer = await request(socket, "message", ECHO, 60_000);
  if (!answer.target) throw new Error("echo failed: " + JSON.stringify(answer));
  const firstEcho = ms(process.hrtime.bigint() - t0);
  return { host, socket, listening: host.listeningMs, ready: host.readyMs, firstEcho };
}

const redis = await startRedis();
const launches = [];
let run;
try {
  for (let i = 0; i < LAUNCHES; i++) {
    const r = await launchOnce(redis.url);
    launches.push({ listening: r.listening, ready: r.ready, firstEcho: r.firstEcho });
    if (i < LAUNCHES - 1) { r.socket.close(); await r.host.stop(); } else run = r;
  }
  const { host, socket } = run;

  // 50 closed-loop clients
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => connect(host.url, ["websocket"])));
  let count = 0;
  let counting = false;
  let running = true;
  const loops = sockets.map(async (s) => {
    while (running) {
      await request(s, "message", ECHO, 30_000);
      if (counting) count++;
    }
  });
  await new Promise((r) => setTimeout(r, WARMUP * 1000)); // warm-up under load
  counting = true;
  const start = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = ms(process.hrtime.bigint() - start) / 1000;
  const throughput = count / elapsed;
  counting = false;
  running = false;
  await Promise.all(loops);
  // one client, sequential round trips, on the warmed-up server
  for (let i = 0; i < 500; i++) await request(socket, "message", ECHO);
  const rtt = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = process.hrtime.bigint();
    await request(socket, "message", ECHO);
    rtt.push(ms(process.hrtime.bigint() - t));
  }
  rtt.sort((a, b) => a - b);

  const workerPid = await host.workerPid("dummy");
  const workers = [...host.log().matchAll(/worker for (\S+) started \(pid (\d+)\)/g)].map((m) => [m[1], Number(m[2])]);
  const allWorkers = workers.reduce((sum, [, pid]) => sum + (Number(rssMb(pid)) || 0), 0);
  const memory = { host: rssMb(host.pid), worker: rssMb(workerPid), allWorkers, count: workers.length };
  sockets.forEach((s) => s.close());
  socket.close();

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const figures = {
    launchToListeningMs: Math.round(median(launches.map((l) => l.listening))),
    launchToWorkersReadyMs: Math.round(median(launches.map((l) => l.ready))),
    firstEchoAfterReadyMs: Math.round(median(launches.map((l) => l.firstEcho))),
    echoP50Ms: Number(percentile(rtt, 0.5).toFixed(2)),
    echoP99Ms: Number(percentile(rtt, 0.99).toFixed(2)),
    msgsPerSecond: Math.round(throughput),
    clients: CLIENTS,
    hostRssMb: Number(memory.host),
    workerRssMb: Number(memory.worker),
    allWorkersRssMb: memory.allWorkers,
    workers: memory.count,
  };
  console.log(`launch → listening          ${figures.launchToListeningMs} ms (median of ${LAUNCHES}: ${launches.map((l) => l.listening).join(", ")})`);
  console.log(`launch → all workers ready  ${figures.launchToWorkersReadyMs} ms (every platform's worker JVM booted; ${launches.map((l) => l.ready).join(", ")})`);
  console.log(`first echo after ready      ${figures.firstEchoAfterReadyMs} ms (connect + echo; ${launches.map((l) => Math.round(l.firstEcho)).join(", ")})`);
  console.log(`echo round trip, 1 client   p50 ${figures.echoP50Ms} ms, p99 ${figures.echoP99Ms} ms (${SAMPLES} samples, after the throughput run)`);
  console.log(`throughput, ${CLIENTS} clients      ${figures.msgsPerSecond} msgs/s (closed loop, ${SECONDS} s after ${WARMUP} s warm-up)`);
  console.log(`resident memory             host ${figures.hostRssMb} MB, dummy worker ${figures.workerRssMb} MB, all ${figures.workers} workers ${figures.allWorkersRssMb} MB`);
  console.log(JSON.stringify(figures));
  await host.stop();
} finally {
  await redis.stop();
}
