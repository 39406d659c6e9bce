// Reading processes from /proc: children, command lines, resident memory (VmRSS, PSS) and CPU
// time (utime + stime). Every reader returns null for a process that is gone.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const read = (path) => { try { return readFileSync(path, "utf8"); } catch { return null; } };

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
export const CLK_TCK = (() => {
  try { return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { return 100; }
})();

/** The direct children of a process (every thread's /proc/<pid>/task/<tid>/children). */
export function childrenOf(pid) {
  let tasks;
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return []; }
  const kids = new Set();
  for (const tid of tasks) {
    for (const k of (read(`/proc/${pid}/task/${tid}/children`) ?? "").split(/\s+/)) if (k) kids.add(Number(k));
  }
  return [...kids];
}

/** Every descendant of a process (children, their children, ...). */
export function descendantsOf(pid) {
  const all = [];
  for (let queue = childrenOf(pid); queue.length;) {
    const next = queue.shift();
    all.push(next);
    queue.push(...childrenOf(next));
  }
  return all;
}

/** True if the process runs a java executable. */
export function isJava(pid) {
  try { return /^java/.test(readlinkSync(`/proc/${pid}/exe`).split("/").pop()); } catch { return false; }
}

/**
 * The host JVM of a spawned host command: the process itself if it is a JVM, else (a wrapper
 * script that does not exec java) its first descendant JVM that is not a worker; null if none yet.
 */
export function hostJvmOf(pid) {
  if (isJava(pid)) return pid;
  return descendantsOf(pid).find((d) => isJava(d) && !workerName(d)) ?? null;
}

/** argv of a process, or null. */
export function cmdline(pid) {
  const raw = read(`/proc/${pid}/cmdline`);
  return raw ? raw.split("\0").filter(Boolean) : null;
}

/** The process's name (comm), or null. */
export const comm = (pid) => read(`/proc/${pid}/comm`)?.trim() ?? null;

/** VmRSS in KB (from /proc/<pid>/status), or null. */
export function rssKb(pid) {
  const m = read(`/proc/${pid}/status`)?.match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) : null;
}

/** PSS in KB (from /proc/<pid>/smaps_rollup), or null. */
export function pssKb(pid) {
  const m = read(`/proc/${pid}/smaps_rollup`)?.match(/^Pss:\s+(\d+) kB/m);
  return m ? Number(m[1]) : null;
}

/** utime + stime in seconds (from /proc/<pid>/stat), or null. */
export function cpuSeconds(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime (14), stime (15)
}

/** The process's start time in ticks since boot: with the pid, identifies it across pid reuse. */
export function startTicks(pid) {
  const stat = read(`/proc/${pid}/stat`);
  return stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]) : null;
}

/** The soft and hard limit on open files of a process. */
export function openFilesLimit(pid = "self") {
  const m = read(`/proc/${pid}/limits`)?.match(/Max open files\s+(\S+)\s+(\S+)/);
  return m ? { soft: Number(m[1]) || Infinity, hard: Number(m[2]) || Infinity } : null;
}

/** The worker name of a worker JVM (its -Dsockethub.worker=<name>), or null. */
export function workerName(pid) {
  const arg = cmdline(pid)?.find((a) => a.startsWith("-Dsockethub.worker="));
  return arg ? arg.slice("-Dsockethub.worker=".length) : null;
}

/**
 * The host and its worker JVMs as [{ pid, name }]: the host first ("host"), then each child
 * process labelled with its -Dsockethub.worker name (or its command name if it has none).
 */
export function serverProcesses(hostPid) {
  const procs = [{ pid: hostPid, name: "host" }];
  for (const pid of childrenOf(hostPid)) {
    if (!cmdline(pid)) continue;
    procs.push({ pid, name: workerName(pid) ?? `${comm(pid)} (not a worker)` });
  }
  return procs.sort((a, b) => (a.name === "host" ? -1 : b.name === "host" ? 1 : a.name.localeCompare(b.name)));
}

/** [{ pid, name, rssKb, pssKb }] of the host and its workers, plus totals. */
export function memoryOf(hostPid, { pss = true } = {}) {
  const procs = serverProcesses(hostPid).map((p) => ({ ...p, rssKb: rssKb(p.pid), pssKb: pss ? pssKb(p.pid) : null }))
    .filter((p) => p.rssKb !== null);
  const sum = (key) => procs.reduce((s, p) => s + (p[key] ?? 0), 0);
  return { procs, rssKb: sum("rssKb"), pssKb: pss ? sum("pssKb") : null };
}

/**
 * The JVM options of a java command line: the arguments between the java executable and the
 * main class (or -jar). A class path's value is shortened to its number of entries.
 */
export function jvmOptions(argv) {
  const options = [];
  const withValue = new Set(["-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-modules",
    "--add-opens", "--add-exports", "--add-reads", "--patch-module", "--upgrade-module-path", "--limit-modules"]);
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-jar" || a === "-m" || a === "--module" || !a.startsWith("-")) break;
    if (withValue.has(a)) {
      const value = argv[++i] ?? "";
      const entries = value.split(":").length;
      options.push(["-cp", "-classpath", "--class-path"].includes(a) && entries > 2 ? `${a} <${entries} entries>` : `${a} ${value}`);
    } else options.push(a);
  }
  return options;
}

/** The JAVA_TOOL_OPTIONS / JDK_JAVA_OPTIONS / _JAVA_OPTIONS a process was started with, if any. */
export function javaEnvOptions(pid) {
  const env = read(`/proc/${pid}/environ`);
  if (!env) return [];
  return env.split("\0").filter((e) => /^(JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)=/.test(e));
}

const versions = new Map();
/** The first line of `<the process's java executable> -version` (e.g. openjdk version "17.0.15"). */
export function javaVersion(pid) {
  let exe;
  try { exe = readlinkSync(`/proc/${pid}/exe`); } catch { return null; }
  if (!versions.has(exe)) {
    const out = spawnSync(exe, ["-version"], { encoding: "utf8", timeout: 20_000 });
    const lines = `${out.stderr ?? ""}${out.stdout ?? ""}`.split("\n").filter(Boolean);
    versions.set(exe, lines.length ? `${lines[0]}; ${lines[lines.length - 1]}` : null);
  }
  return { exe, version: versions.get(exe) };
}

/** Sends a signal to a process if it is still the one identified by (pid, start ticks). */
export function killIfSame(pid, ticks, signal = "SIGKILL") {
  if (ticks === null || startTicks(pid) !== ticks) return false;
  try { process.kill(pid, signal); return true; } catch { return false; }
}

/** The whole machine's CPU time in seconds from /proc/stat: { busy, all } (busy = all − idle − iowait). */
export function machineCpu() {
  const f = (read("/proc/stat") ?? "").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const all = f.reduce((a, b) => a + b, 0);
  return { busy: (all - f[3] - f[4]) / CLK_TCK, all: all / CLK_TCK };
}
