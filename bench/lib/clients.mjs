// Socket.IO clients for the benchmark: socket.io-client from e2e/node_modules, websocket
// transport, no reconnection.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { contextFor, request } from "../../e2e/lib/harness.mjs";
import { onCleanup } from "./cleanup.mjs";
import { sleep } from "./server.mjs";

const require = createRequire(new URL("../../e2e/package.json", import.meta.url));
const { io } = require("socket.io-client");
export const CLIENT_VERSION = require("socket.io-client/package.json").version;
export { request };

/** observed-wire.md's raw echo frame. */
export const ECHO = {
  type: "echo", "@context": contextFor("dummy"),
  actor: { id: "raw", type: "person" }, object: { type: "message", content: "raw" },
};

/** Valid dummy credentials for an actor (spec: dummy declares `credentials: {}`). */
export const dummyCredentials = (actorId) => ({
  "@context": contextFor("dummy"), type: "credentials", actor: { id: actorId, type: "person" },
  object: { type: "credentials", secret: "bench-secret" },
});

const socketFor = (url, timeout = 20_000) =>
  io(url, { path: "/sockethub", transports: ["websocket"], forceNew: true, reconnection: false, timeout });

/** One connection attempt: resolves with the connected socket, rejects on connect_error. */
export function connectOnce(url, timeoutMs = 20_000) {
  const socket = socketFor(url, timeoutMs);
  return new Promise((ok, fail) => {
    socket.once("connect", () => { socket.off("connect_error"); ok(socket); });
    socket.once("connect_error", (e) => { socket.close(); fail(e); });
  });
}

/**
 * Connects, retrying `retryMs` after each connect_error, until `deadline` (performance.now())
 * or `gaveUp()` says stop. `onConnect(socket)` runs in the connect event itself.
 */
export function connectRetrying(url, { retryMs = 20, deadline, gaveUp = () => false, onConnect = () => {} }) {
  return new Promise((ok, fail) => {
    const attempt = () => {
      if (gaveUp()) return fail(new Error("the host exited before a client could connect"));
      if (performance.now() > deadline) return fail(new Error("no Socket.IO connect before the deadline"));
      const socket = socketFor(url, 5000);
      socket.once("connect", () => { socket.off("connect_error"); onConnect(socket); ok(socket); });
      socket.once("connect_error", () => { socket.close(); setTimeout(attempt, retryMs); });
    };
    attempt();
  });
}

/**
 * Opens `count` sockets, `parallel` connects at a time. Resolves with { sockets, failures,
 * firstError }; the sockets are closed by closeAll() or at cleanup.
 */
export async function openSockets(url, count, parallel = 100) {
  const sockets = [];
  let failures = 0;
  let firstError;
  let next = 0;
  const unregister = onCleanup(async () => closeAll(sockets));
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      next++;
      try { sockets.push(await connectOnce(url)); } catch (e) { failures++; firstError ??= e.message; }
    }
  }));
  return { sockets, failures, firstError, close: () => { unregister(); closeAll(sockets); } };
}

export function closeAll(sockets) {
  for (const s of sockets) { try { s.close(); } catch { /* closed */ } }
}

/**
 * Closed-loop echo load: every socket sends the next echo when the ack of its previous one
 * arrived. Runs `warmupS` uncounted, then `measureS` counted; `atStart()` / `atEnd()` run right
 * at the measuring window's edges; `acked.total` counts every acked echo from the start (for a
 * warm-up curve). Resolves with { echoes, elapsedS, errors, firstError }.
 */
export async function closedLoop(sockets, { warmupS, measureS, atStart = () => {}, atEnd = () => {}, acked = { total: 0 } }) {
  let counting = false;
  let running = true;
  let echoes = 0;
  let errors = 0;
  let firstError;
  const loops = sockets.map(async (s) => {
    while (running) {
      try {
        const ack = await request(s, "message", ECHO, 30_000);
        if (ack?.error) throw new Error(`echo answered with an error: ${ack.error}`);
        acked.total++;
        if (counting) echoes++;
      } catch (e) {
        if (counting) errors++;
        firstError ??= e.message;
        if (!s.connected) { await sleep(100); if (!s.connected) return; }
      }
    }
  });
  await sleep(warmupS * 1000);
  atStart();
  counting = true;
  const start = performance.now();
  await sleep(measureS * 1000);
  counting = false;
  const elapsedS = (performance.now() - start) / 1000;
  const counted = echoes;
  atEnd();
  running = false;
  await Promise.all(loops);
  return { echoes: counted, elapsedS, errors, firstError };
}

/**
 * Open loop: echoes sent at a fixed `rate` per second, spread round-robin over `sockets`, whatever
 * the answers do (a closed loop slows down with the server; real users do not). Runs `warmupS`
 * uncounted, then `measureS` counted (`atStart()` / `atEnd()` at the window's edges), then waits
 * for every answer or its `timeoutMs`. Resolves with { sent, acked, refused, unanswered,
 * elapsedS, rtt (sorted ms of the window's acks), refusedRtt (sorted ms of its error acks),
 * firstRefusal }, all of requests sent inside the window: answered with a result, with an error,
 * or not at all within `timeoutMs`.
 */
export async function openLoop(sockets, { rate, warmupS, measureS, timeoutMs = 30_000, atStart = () => {}, atEnd = () => {} }) {
  const all = [];
  const stats = { sent: 0, acked: 0, refused: 0, unanswered: 0, rtt: [], refusedRtt: [], firstRefusal: undefined };
  let counting = false;
  let next = 0;
  const send = () => {
    const socket = sockets[next++ % sockets.length];
    const counted = counting;
    if (counted) stats.sent++;
    const t = performance.now();
    all.push(request(socket, "message", ECHO, timeoutMs).then((ack) => {
      if (!counted) return;
      if (ack?.error) { stats.refused++; stats.firstRefusal ??= ack.error; stats.refusedRtt.push(performance.now() - t); } else { stats.acked++; stats.rtt.push(performance.now() - t); }
    }, () => { if (counted) stats.unanswered++; }));
  };
  const pace = async (seconds) => {
    const start = performance.now();
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= seconds * 1000) return elapsed / 1000;
      const due = Math.floor((elapsed / 1000) * rate);
      for (; sent < due; sent++) send();
      await sleep(2);
    }
  };
  await pace(warmupS);
  atStart();
  counting = true;
  const elapsedS = await pace(measureS);
  counting = false;
  atEnd();
  await Promise.allSettled(all);
  stats.rtt.sort((a, b) => a - b);
  stats.refusedRtt.sort((a, b) => a - b);
  return { ...stats, elapsedS };
}

/** Sequential echoes on one socket: `warmup` uncounted, then `samples` round trips in ms. */
export async function echoLatency(socket, { warmup = 500, samples = 5000 }) {
  for (let i = 0; i < warmup; i++) await request(socket, "message", ECHO, 30_000);
  const rtt = new Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const ack = await request(socket, "message", ECHO, 30_000);
    rtt[i] = performance.now() - t;
    if (ack?.error) throw new Error(`echo answered with an error: ${ack.error}`);
  }
  return rtt.sort((a, b) => a - b);
}

/**
 * One full connection setup: connect (websocket), `schemas` with an ack, `credentials` with an
 * ack (valid dummy credentials), disconnect.
 */
export async function connectionSetup(url, actorId) {
  const socket = await connectOnce(url, 20_000);
  try {
    const registry = await request(socket, "schemas", undefined, 20_000);
    if (!Array.isArray(registry?.platforms)) throw new Error(`schemas answered ${JSON.stringify(registry).slice(0, 200)}`);
    const ack = await request(socket, "credentials", dummyCredentials(actorId), 20_000);
    if (ack?.error) throw new Error(`credentials answered with an error: ${ack.error}`);
  } finally {
    socket.close();
  }
}
