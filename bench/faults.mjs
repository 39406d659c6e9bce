#!/usr/bin/env node
// Faults under load (issue 15): what clients see when the dummy worker is killed with SIGKILL and
// when Redis is killed and restarted empty, each under --clients closed-loop echo clients.
//
// Usage: node bench/faults.mjs [--clients 50] [--warmup 20] [--window 15] [--redis-down 2]
//
// One host on a Redis of its own (started here on a free loopback port, so it can be killed).
// After --warmup s of load: (1) SIGKILL of the worker that runs dummy; --window s later (2)
// SIGKILL of redis-server, a new empty one on the same port --redis-down s later; --window s
// more. For each fault, over the requests sent from the fault until --window s after it: answered
// echoes, error acks (by text), requests unanswered within 30 s, the slowest answer, and for
// Redis the last answer's time after Redis was back. Everything on 127.0.0.1. Goals: no error
// ack and nothing unanswered under the worker kill (echo is idempotent); under the Redis restart
// nothing unanswered and every request answered within 5 s of Redis's return.
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { freePort, startRedis } from "../e2e/lib/harness.mjs";
import { onCleanup, runCleanup } from "./lib/cleanup.mjs";
import { ECHO, openSockets, request } from "./lib/clients.mjs";
import { serverProcesses } from "./lib/proc.mjs";
import { sleep, startHost, waitForStableBuild } from "./lib/server.mjs";

const { values } = parseArgs({ options: {
  clients: { type: "string", default: "50" }, warmup: { type: "string", default: "20" },
  window: { type: "string", default: "15" }, "redis-down": { type: "string", default: "2" },
} });
const clients = Number(values.clients);
const warmupS = Number(values.warmup);
const windowS = Number(values.window);
const downS = Number(values["redis-down"]);

/** Every request: when it was sent, when and how it was answered (null: not within 30 s). */
const requests = [];

function load(sockets) {
  let running = true;
  const loops = sockets.map(async (s) => {
    while (running) {
      const r = { sentAt: performance.now(), answeredAt: null, error: null, unanswered: false };
      requests.push(r);
      try {
        const ack = await request(s, "message", ECHO, 30_000);
        r.answeredAt = performance.now();
        if (ack?.error) { r.error = ack.error; await sleep(50); } // a refused client waits a moment, as a user would
      } catch {
        r.unanswered = true;
        if (!s.connected) { await sleep(100); if (!s.connected) return; }
      }
    }
  });
  return { stop: async () => { running = false; await Promise.all(loops); } };
}

/** The largest number of a list, or 0. */
function largest(list) {
  let max = 0;
  for (const n of list) if (n > max) max = n;
  return max;
}

function summary(label, from, to, { backAt } = {}) {
  const sent = requests.filter((r) => r.sentAt >= from && r.sentAt < to);
  const ok = sent.filter((r) => r.answeredAt !== null && !r.error).length;
  const errors = new Map();
  for (const r of sent) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  const unanswered = sent.filter((r) => r.unanswered).length;
  // a loop, not Math.max(...list): a fast machine sends more requests than a call's arguments may hold
  const slowest = largest(sent.filter((r) => r.answeredAt !== null).map((r) => r.answeredAt - r.sentAt));
  const lastAnswer = largest(sent.filter((r) => r.answeredAt !== null).map((r) => r.answeredAt));
  console.log(`\n== ${label}`);
  console.log(`  requests sent in the window        ${sent.length}`);
  console.log(`  answered with the echo              ${ok}`);
  console.log(`  error acks                          ${[...errors.values()].reduce((a, b) => a + b, 0)}`);
  for (const [text, n] of errors) console.log(`    ${String(n).padStart(6)} × ${text}`);
  console.log(`  unanswered within 30 s              ${unanswered}`);
  console.log(`  slowest answer                      ${(slowest / 1000).toFixed(2)} s`);
  const figures = { sent: sent.length, ok, errorAcks: [...errors.values()].reduce((a, b) => a + b, 0),
    errors: Object.fromEntries(errors), unanswered, slowestS: Number((slowest / 1000).toFixed(2)) };
  if (backAt !== undefined) {
    // requests sent before the return answered after it: how long after the return the last one came
    const waiting = sent.filter((r) => r.sentAt < backAt && r.answeredAt !== null && r.answeredAt > backAt);
    const lastAfter = largest(waiting.map((r) => r.answeredAt - backAt));
    console.log(`  sent before Redis was back, answered after it: ${waiting.length}, the last ${(lastAfter / 1000).toFixed(2)} s after the return`);
    figures.answeredAfterReturn = waiting.length;
    figures.lastAnswerAfterReturnS = Number((lastAfter / 1000).toFixed(2));
  }
  figures.lastAnswerS = Number(((lastAnswer - from) / 1000).toFixed(2));
  return figures;
}

async function main() {
  await waitForStableBuild();
  const port = await freePort();
  let redis = await startRedis({ own: true, port });
  onCleanup(() => redis.stop());
  const host = await startHost(redis.url);
  console.log(`faults: ${clients} closed-loop echo clients on ${host.url}, Redis on 127.0.0.1:${port}; ${warmupS} s warm-up`);
  const open = await openSockets(host.url, clients, clients);
  if (open.failures) throw new Error(`${open.failures} clients could not connect: ${open.firstError}`);
  const running = load(open.sockets);
  await sleep(warmupS * 1000);

  const dummy = serverProcesses(host.pid).find((p) => p.name.split("+").includes("dummy"));
  if (!dummy) throw new Error("no worker runs dummy");
  const killedWorkerAt = performance.now();
  process.kill(dummy.pid, "SIGKILL");
  await sleep(windowS * 1000);

  const killedRedisAt = performance.now();
  await redis.stop("SIGKILL");
  await sleep(downS * 1000);
  redis = await startRedis({ own: true, port });
  const backAt = performance.now();
  await sleep(windowS * 1000);
  const endAt = performance.now();
  await running.stop(); // waits for every request's answer or its 30 s timeout
  open.close();

  // the worker's window ends a second before the Redis kill: a request sent in that second may meet Redis gone
  const worker = summary(`SIGKILL of the dummy worker (pid ${dummy.pid}, ${dummy.name}): requests sent in the ${windowS - 1} s after it`,
    killedWorkerAt, killedRedisAt - 1000);
  const redisLoss = summary(`SIGKILL of redis-server, an empty one ${downS} s later: requests sent from the kill until ${windowS} s after the return`,
    killedRedisAt, endAt, { backAt });
  console.log(`\n== goals`);
  console.log(`  worker kill: error acks ${worker.errorAcks} (goal 0), unanswered ${worker.unanswered} (goal 0)`);
  console.log(`  Redis restart: unanswered ${redisLoss.unanswered} (goal 0), last answer to a request sent before the return ${redisLoss.lastAnswerAfterReturnS} s after it (goal ≤ 5 s)`);
  console.log(JSON.stringify({ date: new Date().toISOString(), clients, warmupS, windowS, redisDownS: downS, worker, redis: redisLoss }));
}

try {
  await main();
} finally {
  await runCleanup();
}
