// Measuring the server's processes over time: CPU time deltas over a window, and total RSS
// sampled at an interval.
import { cpuSeconds, memoryOf, serverProcesses, startTicks } from "./proc.mjs";

/** The processes whose CPU counts as the server's: host, its workers, and Redis if known. */
export function serverSet(hostPid, redisPid) {
  const procs = serverProcesses(hostPid);
  if (redisPid) procs.push({ pid: redisPid, name: "redis-server" });
  return procs;
}

/** CPU seconds of each process now: Map pid → { name, ticks (start), cpu }. */
export function cpuSnapshot(procs) {
  const snap = new Map();
  for (const p of procs) {
    const cpu = cpuSeconds(p.pid);
    if (cpu !== null) snap.set(p.pid, { name: p.name, ticks: startTicks(p.pid), cpu });
  }
  return snap;
}

/**
 * CPU seconds used between two snapshots, per process name and in total. A process that started
 * in between counts from zero; one that ended in between is listed in `lost`.
 */
export function cpuDelta(before, after) {
  const byName = {};
  let total = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const used = a.cpu - (b && b.ticks === a.ticks ? b.cpu : 0);
    byName[a.name] = (byName[a.name] ?? 0) + used;
    total += used;
  }
  const lost = [...before].filter(([pid, b]) => after.get(pid)?.ticks !== b.ticks).map(([, b]) => b.name);
  return { total, byName, lost };
}

/** Samples the total RSS of host + workers every `everyMs`; stop() returns { peakKb, peakProcs, samples }. */
export function sampleRss(hostPid, everyMs = 500) {
  let peakKb = 0;
  let peakProcs = [];
  let samples = 0;
  const take = () => {
    const m = memoryOf(hostPid, { pss: false });
    samples++;
    if (m.rssKb > peakKb) { peakKb = m.rssKb; peakProcs = m.procs; }
  };
  take();
  const timer = setInterval(take, everyMs);
  return { stop: () => { clearInterval(timer); take(); return { peakKb, peakProcs, samples }; } };
}
