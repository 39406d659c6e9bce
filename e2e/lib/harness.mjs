// Starts the real things the end-to-end tests drive: a Redis of their own (unless REDIS_URL is
// set) and the real host (./sockethub's launcher jar) on a free port, and connects
// socket.io-client to it.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { after, before } from "node:test";
import { io } from "socket.io-client";

export const ROOT = resolve(import.meta.dirname, "../..");
export const LAUNCHER = process.env.SOCKETHUB_LAUNCHER ?? join(ROOT, "host/launcher/target/sockethub/sockethub-launcher.jar");
export const TESTCHAT = process.env.SOCKETHUB_TESTCHAT ?? join(ROOT, "e2e/chat-platform/target/sockethub-platform-testchat-1.0.0-SNAPSHOT.jar");
export const DROPTEST = process.env.SOCKETHUB_DROPTEST ?? join(ROOT, "e2e/drop-platform/target/sockethub-platform-droptest-1.0.0-SNAPSHOT.jar");
export const JAVA = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin/java") : "java";
export const AS2 = "https://www.w3.org/ns/activitystreams";
export const SH = "https://sockethub.org/ns/context/v1.jsonld";
/**
 * The command that starts the host the way `./sockethub` does (its JVM options included):
 * `[command, args]` for `spawn`, with `args` appended.
 */
export function hostCommand(args = []) {
  return [join(dirname(LAUNCHER), "bin/sockethub"), args];
}
export const contextFor = (platform) => [AS2, SH, `https://sockethub.org/ns/context/platform/${platform}/v1.jsonld`];

export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => ok(port)); });
  });
}

function waitForLine(child, pattern, timeoutMs, what) {
  return new Promise((ok, fail) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`${what}: no "${pattern}" within ${timeoutMs} ms\n${seen}`)), timeoutMs);
    const onData = (chunk) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) { clearTimeout(timer); ok(m); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`${what} exited (${code}) before "${pattern}"\n${seen}`)); });
  });
}

/** A Redis for one test file: REDIS_URL if given, else Debian's redis-server on a free port. */
export async function startRedis({ own = false, port: wanted } = {}) {
  if (process.env.REDIS_URL && !own) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = wanted ?? await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForLine(child, /Ready to accept connections/, 10_000, "redis-server");
  return { url: `redis://127.0.0.1:${port}`, stop: (signal) => stopProcess(child, signal) };
}

/**
 * A Redis Cluster of `masters` Debian redis-servers (no replicas) on free loopback ports, each
 * with its cluster bus on a free port of its own, joined by `redis-cli --cluster create`.
 * Resolves once every node reports cluster_state:ok, with { nodes: ["redis://127.0.0.1:<port>"],
 * ports, pids, stop }.
 */
export async function startRedisCluster({ masters = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sockethub-redis-cluster-"));
  const ports = [];
  const children = [];
  const stop = async () => { await Promise.all(children.map((c) => stopProcess(c))); };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      let bus = await freePort();
      while (bus === port) bus = await freePort();
      const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--protected-mode", "yes", "--cluster-enabled", "yes", "--cluster-port", String(bus),
        "--cluster-config-file", join(dir, `nodes-${port}.conf`), "--dir", dir, "--cluster-node-timeout", "5000"],
      { stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      await waitForLine(child, /Ready to accept connections/, 10_000, "redis-server (cluster)");
      ports.push(port);
    }
    execFileSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0",
      "--cluster-yes"], { stdio: "ignore", timeout: 30_000 });
    await waitFor(() => ports.every((p) => execFileSync("redis-cli", ["-p", String(p), "cluster", "info"], { encoding: "utf8" })
      .includes("cluster_state:ok")), 30_000, "the Redis Cluster's state ok");
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes: ports.map((p) => `redis://127.0.0.1:${p}`), ports, pids: children.map((c) => c.pid), stop };
}

async function stopProcess(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the host with a config file of its own. Returns its url, the log seen so far (a
 * function), and stop().
 */
export async function startHost({ redisUrl, config = {}, args = [], deploy = [], stdin = false } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sockethub-e2e-"));
  const configFile = join(dir, "sockethub.config.json");
  writeFileSync(configFile, JSON.stringify(config));
  mkdirSync(join(dir, "deploy"));
  for (const jar of deploy) copyFileSync(jar, join(dir, "deploy", basename(jar)));
  // redisUrl null: the Redis is in args (e.g. --redis.cluster.nodes)
  const child = spawn(...hostCommand(["--port", String(port), "--config", configFile,
    ...(redisUrl ? ["--redis.url", redisUrl] : []), "--deploy", join(dir, "deploy"), ...args]), { cwd: dir, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (c) => { log += c; });
  child.stderr.on("data", (c) => { log += c; });
  const started = Date.now();
  await waitForLine(child, /sockethub listening on ws:\/\/127\.0\.0\.1:(\d+)/, 120_000, "host");
  const listeningMs = Date.now() - started;
  // every platform of the layout and of deploy/ registered, and every worker JVM started at boot
  // ready (persistent platforms isolated per instance start none): tests then time their own work,
  // not the start-up of workers (several JVMs booting at once on a busy 2-core machine take seconds)
  const platforms = readdirSync(join(dirname(LAUNCHER), "platforms")).filter((n) => n.endsWith(".jar")).length + deploy.length;
  try {
    await waitFor(() => (log.match(/platform \S+ \S+ registered/g) ?? []).length >= platforms, 60_000, "registered platforms");
    await waitFor(() => {
      const started = [...log.matchAll(/worker for (\S+) started/g)].map((m) => m[1]);
      // a group's worker started before all of its platforms registered hands over to a new one
      return started.length > 0 && started.every((p) => log.includes(`worker for ${p} ready`) || log.includes(`worker for ${p} stopped`));
    }, 120_000, "platform workers ready");
  } catch (e) {
    await stopProcess(child);
    throw new Error(`${e.message}; host log:\n${log.slice(-4000)}`);
  }
  return {
    url: `http://127.0.0.1:${port}`, port, pid: child.pid, child, listeningMs, readyMs: Date.now() - started, deployDir: join(dir, "deploy"),
    log: () => log,
    /**
     * Resolves with the pid of the worker that runs a platform (alone, or in a group such as
     * `dummy+feeds+metadata`) once the log announces it (after `from` chars of log).
     */
    workerPid: (platform, from = 0) => waitFor(() => {
      const all = [...log.slice(from).matchAll(/worker for (\S+) started \(pid (\d+)\)/g)]
        .filter((m) => m[1] === platform || m[1].split("+").includes(platform));
      return all.length ? Number(all[all.length - 1][2]) : null;
    }, 60_000, `worker pid for ${platform}`),
    deployDir: join(dir, "deploy"),
    /** Writes a line to the host's stdin (with `stdin: true`, e.g. a console command). */
    type: (line) => child.stdin.write(line + "\n"),
    stop: () => stopProcess(child),
  };
}

/**
 * A Redis and a host for the current test file, started before its tests and stopped after
 * them. The returned object's `redis` and `host` are set once `ready` resolves (a file's own
 * `before` hook must await it: node:test may run root hooks side by side).
 */
export function serverForTests(options = {}) {
  let started;
  const server = { ready: new Promise((ok, fail) => { started = { ok, fail }; }) };
  before(async () => {
    try {
      server.redis = await startRedis();
      server.host = await startHost({ redisUrl: server.redis.url, ...options });
      started.ok(server);
    } catch (e) {
      started.fail(e);
      throw e;
    }
  });
  after(async () => {
    await server.host?.stop();
    await server.redis?.stop();
  });
  return server;
}

export async function waitFor(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A connected socket.io-client socket. `transports`: ["websocket"] or ["polling", "websocket"].
 * `listen(socket)`, if given, runs before the connect, to catch what the server sends right after it.
 */
export async function connect(url, transports, listen) {
  const socket = io(url, { path: "/sockethub", transports, forceNew: true, reconnection: false });
  listen?.(socket); // before the connect: what the server sends right after it may come in the same read
  await new Promise((ok, fail) => {
    socket.once("connect", ok);
    socket.once("connect_error", fail);
  });
  return socket;
}

/** Emits with an ack and resolves with the ack's single argument (rejects after timeoutMs). */
export function request(socket, event, payload, timeoutMs = 10_000) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ack for ${event} within ${timeoutMs} ms`)), timeoutMs);
    const done = (answer) => { clearTimeout(timer); ok(answer); };
    if (payload === undefined) socket.emit(event, done); else socket.emit(event, payload, done);
  });
}

/** Resolves with the next `event` the socket receives that matches `filter`. */
export function next(socket, event, filter = () => true, timeoutMs = 10_000) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { socket.off(event, on); fail(new Error(`no ${event} within ${timeoutMs} ms`)); }, timeoutMs);
    const on = (payload) => { if (filter(payload)) { clearTimeout(timer); socket.off(event, on); ok(payload); } };
    socket.on(event, on);
  });
}

/** Every key of a Redis with its type and everything it holds, as text (redis-cli). */
export function dumpRedis(url) {
  const cli = (...args) => execFileSync("redis-cli", ["-u", url, "--no-raw", ...args], { encoding: "utf8" });
  const keys = execFileSync("redis-cli", ["-u", url, "--scan"], { encoding: "utf8" }).split("\n").filter(Boolean);
  return keys.map((key) => {
    const type = cli("TYPE", key).trim();
    const content = type === "hash" ? cli("HGETALL", key) : type === "stream" ? cli("XRANGE", key, "-", "+")
      : type === "string" ? cli("GET", key) : type === "list" ? cli("LRANGE", key, "0", "-1") : "";
    return { key, type, content };
  });
}

export const echo = (content, extra = {}) => ({
  type: "echo", "@context": contextFor("dummy"), actor: { id: "probe-user", type: "person" },
  object: { type: "message", content }, ...extra,
});
