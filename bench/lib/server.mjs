// Starting and stopping the real host for the benchmark: always through the harness's
// hostCommand() (how ./sockethub starts it, JVM options included), with a config file, an empty
// deploy dir and cwd in a temp dir of its own, on a free loopback port.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort, hostCommand, LAUNCHER } from "../../e2e/lib/harness.mjs";
import { lastResort, onCleanup } from "./cleanup.mjs";
import { descendantsOf, hostJvmOf, killIfSame, startTicks } from "./proc.mjs";
import { progress } from "./report.mjs";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const BUILD = dirname(LAUNCHER);
const RUNTIME_FILES = /^(cds|tmp|.*\.(jsa|log|lck|pid))$/; // written by running servers (tmp: java.io.tmpdir), not by the build
/** Newest modification time (ms) of the built server's files, or null while the launcher jar is missing. */
function buildMtime() {
  if (!existsSync(LAUNCHER)) return null;
  let newest = 0;
  try {
    for (const entry of readdirSync(BUILD, { withFileTypes: true })) {
      if (RUNTIME_FILES.test(entry.name)) continue;
      const path = join(BUILD, entry.name);
      newest = Math.max(newest, statSync(path).mtimeMs);
      if (entry.isDirectory()) for (const f of readdirSync(path)) newest = Math.max(newest, statSync(join(path, f)).mtimeMs);
    }
  } catch { return null; } // changing right now
  return newest;
}

/** Waits until the built server exists and none of its files changed for `quietMs`. */
export async function waitForStableBuild({ quietMs = 10_000, timeoutMs = 15 * 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const m = buildMtime();
    if (m !== null && Date.now() - m >= quietMs) return;
    if (Date.now() > deadline) throw new Error(`the built server at ${BUILD} did not settle within ${timeoutMs / 1000} s (being rebuilt?)`);
    if (!told) { console.error(`(waiting for the build at ${BUILD} to settle: it is missing or being rebuilt)`); told = true; }
    await sleep(2000);
  }
}

/** The rate limits raised, the per-IP connection cap off, loopback fixtures allowed. */
export const BENCH_CONFIG = {
  // BENCH_WORKER_OPTS="-XX:..." tries JVM options on every worker (workers.javaOptions);
  // BENCH_WORKERS='{"groups":[...]}' tries other workers.* settings (JSON, merged over those)
  workers: {
    ...(process.env.BENCH_WORKER_OPTS ? { javaOptions: process.env.BENCH_WORKER_OPTS.split(" ").filter(Boolean) } : {}),
    ...(process.env.BENCH_WORKERS ? JSON.parse(process.env.BENCH_WORKERS) : {}),
  },
  rateLimiter: { maxRequests: 1000000, maxConnectionsPerIp: 0 },
  packageConfig: {
    feeds: { allowPrivateAddresses: true },
    "@sockethub/platform-metadata": { allowPrivateAddresses: true },
  },
};

/**
 * Spawns a host (does not wait). Returns { pid, port, url, spawnedAt (performance.now() just
 * before the spawn), listening (a promise of ms from spawn to the log line), exited, log(), stop() }.
 */
export async function spawnHost({ redisUrl, config = BENCH_CONFIG, redisArgs = null, deploy = [] }) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sockethub-bench-"));
  const configFile = join(dir, "sockethub.config.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  mkdirSync(join(dir, "deploy"));
  for (const jar of deploy) copyFileSync(jar, join(dir, "deploy", basename(jar))); // platform JARs, e.g. testchat
  // redisArgs: another Redis than redisUrl, e.g. ["--redis.cluster.nodes", "redis://…,redis://…"]
  const [command, args] = hostCommand(["--port", String(port), "--config", configFile, ...(redisArgs ?? ["--redis.url", redisUrl]),
    "--deploy", join(dir, "deploy")]);
  const spawnedAt = performance.now();
  const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const hostTicks = () => startTicks(child.pid);
  // hostCommand() may start the JVM through a wrapper that does not exec java: then the host JVM is
  // a descendant of the spawned process; measurements use jvmPid()
  let jvm = null;
  const jvmPid = () => {
    if (jvm && startTicks(jvm.pid) === jvm.ticks) return jvm.pid;
    const found = hostJvmOf(child.pid);
    if (found) jvm = { pid: found, ticks: startTicks(found) };
    return found ?? child.pid;
  };
  let log = "";
  const waiters = new Set();
  const onData = (c) => { log += c; for (const w of waiters) w(); };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let exitCode;
  const exited = new Promise((ok) => child.once("exit", (code, signal) => { exitCode = code ?? signal; ok(exitCode); for (const w of waiters) w(); }));
  child.once("error", (e) => { log += `\nspawn error: ${e.message}\n`; });

  const listening = new Promise((ok, fail) => {
    const check = () => {
      if (/sockethub listening on ws:\/\/127\.0\.0\.1:\d+/.test(log)) { waiters.delete(check); ok(performance.now() - spawnedAt); }
      else if (exitCode !== undefined) { waiters.delete(check); fail(new Error(`the host exited (${exitCode}) before listening; log:\n${log.slice(-3000)}`)); }
    };
    waiters.add(check);
    check();
  });
  listening.catch(() => {});

  // the JVM and workers seen so far (every descendant), to stop them by pid if any is left behind
  const workers = new Map();
  const noteWorkers = () => { for (const pid of descendantsOf(child.pid)) if (!workers.has(pid)) workers.set(pid, startTicks(pid)); };
  const removeLastResort = lastResort(() => {
    noteWorkers();
    try { child.kill("SIGKILL"); } catch { /* gone */ }
    for (const [pid, ticks] of workers) if (ticks !== null && startTicks(pid) === ticks) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  });

  let stopping;
  const stop = () => stopping ??= (async () => {
    noteWorkers();
    const jvmAtStop = jvmPid();
    if (exitCode === undefined) {
      const ticks = hostTicks();
      child.kill("SIGTERM");
      if (jvmAtStop !== child.pid) killIfSame(jvmAtStop, workers.get(jvmAtStop) ?? null, "SIGTERM");
      const killer = setTimeout(() => { if (startTicks(child.pid) === ticks) child.kill("SIGKILL"); }, 20_000);
      await exited;
      clearTimeout(killer);
    }
    // the host stops its workers (and a wrapper its JVM); whatever is left gets SIGKILL by pid
    const deadline = Date.now() + (jvmAtStop !== child.pid ? 20_000 : 5000);
    for (const [pid, ticks] of workers) {
      while (startTicks(pid) === ticks && Date.now() < deadline) await sleep(100);
      if (ticks !== null && startTicks(pid) === ticks) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    }
    removeLastResort();
    unregister();
    rmSync(dir, { recursive: true, force: true });
  })();
  const unregister = onCleanup(stop);

  const host = {
    /** The host JVM's pid (the spawned process's, unless it is a wrapper). */
    get pid() { return jvmPid(); },
    port, url: `http://127.0.0.1:${port}`, dir, spawnedAt, listening, exited,
    log: () => log,
    alive: () => exitCode === undefined,
    noteWorkers,
    stop,
    /**
     * Resolves once listening and every worker JVM the host started so far reported ready, with
     * no worker started or ready for `quietMs` (or, when it starts none, `quietMs` × 5 after
     * listening). Resolves with ms from spawn.
     */
    async ready({ timeoutMs = 180_000, quietMs = 1500 } = {}) {
      await listening;
      const deadline = performance.now() + timeoutMs;
      let last = "";
      let lastChange = performance.now();
      for (;;) {
        if (exitCode !== undefined) throw new Error(`the host exited (${exitCode}); log:\n${log.slice(-3000)}`);
        // a worker is done booting once it said ready, or stopped (a group's worker started before
        // all of its platforms registered hands over to a new one), or its process is gone
        const started = [...log.matchAll(/worker for (\S+) started \(pid (\d+)\)/g)]
          .map((m) => ({ name: m[1], pid: Number(m[2]), at: m.index }));
        const booted = started.filter((w) => log.includes(`worker for ${w.name} ready`, w.at)
          || log.includes(`worker for ${w.name} stopped`, w.at) || startTicks(w.pid) === null);
        const state = `${started.length}|${booted.length}`;
        if (state !== last) { last = state; lastChange = performance.now(); }
        const ready = booted.map((w) => w.name);
        noteWorkers();
        const quiet = performance.now() - lastChange;
        if (started.length > 0 ? ready.length === started.length && quiet >= quietMs : quiet >= quietMs * 5) {
          return performance.now() - spawnedAt - quiet;
        }
        if (performance.now() > deadline) {
          throw new Error(`workers not ready within ${timeoutMs / 1000} s (started: ${started.map((w) => w.name).join(", ") || "none"}; ready: ${ready.join(", ") || "none"})`);
        }
        await sleep(100);
      }
    },
  };
  return host;
}

const REBUILD = /Invalid or corrupt jarfile|Unable to access jarfile|ZipException|zip END header|NoClassDefFoundError|ClassNotFoundException|could not find or load main class/i;

/** True if a failed launch looks like the server being rebuilt under us. */
export function looksLikeRebuild(host) {
  const m = buildMtime();
  return m === null || m > Date.now() - (performance.now() - host.spawnedAt) - 1000 || REBUILD.test(host.log());
}

/**
 * Runs `attempt(host)` on a freshly spawned host; if the host dies in a way that looks like the
 * build being replaced, stops it, waits for the build to settle and tries again (up to `tries`).
 */
export async function withHost(redisUrl, attempt, { tries = 4, config = BENCH_CONFIG, redisArgs = null, deploy = [] } = {}) {
  for (let i = 1; ; i++) {
    await waitForStableBuild();
    const host = await spawnHost({ redisUrl, config, redisArgs, deploy });
    try {
      return await attempt(host);
    } catch (e) {
      const rebuilt = !host.alive() && looksLikeRebuild(host);
      await host.stop();
      if (!rebuilt || i >= tries) throw e;
      console.error(`(the host failed as if the build were being replaced; retrying once it settles: ${e.message.split("\n")[0]})`);
      await sleep(5000);
    }
  }
}

/** Starts a host and waits until it is listening and its boot-time workers are ready. */
export function startHost(redisUrl, options = {}) {
  return withHost(redisUrl, async (host) => {
    host.listeningMs = await host.listening;
    progress(`host pid ${host.pid} listening on port ${host.port} after ${Math.round(host.listeningMs)} ms`);
    host.readyMs = await host.ready();
    progress(`host pid ${host.pid}: boot-time workers ready after ${Math.round(host.readyMs)} ms`);
    return host;
  }, options);
}
