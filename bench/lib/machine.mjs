// How fast this machine is at the moment, with work that does not depend on the server: the
// same build's figures move ±30 % within a session and 2–3 × between machines of the same kind,
// so every run prints a yardstick taken beside them. Two figures:
//   - CPU: the CPU time of a fixed piece of work in this process (200,000 JSON round trips of an
//     echo-sized message: strings, maps and allocation, like most of a server's work);
//   - wake-ups: the round trip of a bare Redis PING from this process to the benchmark's Redis,
//     one at a time (two processes waking each other, as every step of an echo does).
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { percentile } from "./report.mjs";

const MESSAGE = {
  type: "echo", "@context": ["https://www.w3.org/ns/activitystreams", "https://sockethub.org/ns/context/v1.jsonld"],
  actor: { id: "raw", type: "person" }, object: { type: "message", content: "raw" }, sessionSecret: "x".repeat(32),
};

/** What the round trips produced, kept so that the work cannot be optimised away. */
let sink = 0;

/** CPU milliseconds for 200,000 JSON round trips of an echo-sized message (the best of three). */
export function cpuYardstick() {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < 200_000; i++) {
      const copy = JSON.parse(JSON.stringify(MESSAGE));
      copy.object.content = String(i);
      sink += copy.object.content.length;
    }
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/** p50 / p99 ms of `count` sequential PINGs (after `warmup` uncounted) on one connection. */
export function pingYardstick(redisUrl, { warmup = 200, count = 2000 } = {}) {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((ok, fail) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const times = [];
    let sent = 0;
    let at = 0;
    let pending = "";
    const next = () => {
      if (sent === warmup + count) {
        socket.end();
        times.sort((a, b) => a - b);
        ok({ p50: percentile(times, 0.5), p99: percentile(times, 0.99) });
        return;
      }
      sent++;
      at = performance.now();
      socket.write("PING\r\n");
    };
    socket.setNoDelay(true);
    socket.on("connect", next);
    socket.on("error", fail);
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      while (pending.includes("\r\n")) {
        const line = pending.slice(0, pending.indexOf("\r\n"));
        pending = pending.slice(line.length + 2);
        if (line !== "+PONG") return fail(new Error(`unexpected Redis reply to PING: ${line}`));
        if (sent > warmup) times.push(performance.now() - at);
        next();
      }
    });
  });
}

/** Both yardsticks; null figures when Redis does not answer (they are only a reference). */
export async function machineYardstick(redisUrl) {
  const cpuMs = cpuYardstick();
  const ping = await pingYardstick(redisUrl).catch(() => ({ p50: null, p99: null }));
  return { cpuMs, pingP50Ms: ping.p50, pingP99Ms: ping.p99 };
}
