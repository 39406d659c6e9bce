#!/usr/bin/env node
// Soak: mixed load on one host for a given time, printing what should not grow.
//
// Usage: node bench/soak.mjs [--minutes 30] [--warmup 60] [--settle 30] [--echo-clients 10]
//
// Load, all on loopback: --echo-clients closed-loop echo clients (each pausing 20 ms between echoes);
// a feeds fetch and a metadata fetch every second from a local HTTP fixture; every 45 s a round of
// sessions that use each platform once (dummy, feeds, metadata, and irc and xmpp against a local
// InspIRCd and Prosody when installed, see bench/lib/platforms.mjs) and then leave, so chat
// connections come and go; and 20 sockets that connect and disconnect every second.
//
// After --warmup seconds it takes the baseline, at the end (after --settle seconds without load, and
// a full collection in every JVM) the final figures: RSS of the host and its workers, their threads
// and open files, and the number of keys in Redis. Prints both and the growth; the JSON line at the
// end has everything. Goals (issue 15): RSS growth <= 10 %, no thread or fd growth, Redis keys
// back to their baseline.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { contextFor, startRedis } from "../e2e/lib/harness.mjs";
import { startFixtures } from "../e2e/lib/http-fixtures.mjs";
import { onCleanup, runCleanup } from "./lib/cleanup.mjs";
import { closeAll, connectOnce, ECHO, request } from "./lib/clients.mjs";
import { useEachPlatform } from "./lib/platforms.mjs";
import { serverProcesses } from "./lib/proc.mjs";
import { sleep, startHost, waitForStableBuild } from "./lib/server.mjs";

const { values } = parseArgs({ options: {
  minutes: { type: "string", default: "30" }, warmup: { type: "string", default: "60" },
  settle: { type: "string", default: "30" }, "echo-clients": { type: "string", default: "10" },
} });
const minutes = Number(values.minutes);
const warmupS = Number(values.warmup);
const settleS = Number(values.settle);
const echoClients = Number(values["echo-clients"]);

const status = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
const fds = (pid) => { try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return 0; } };
const jcmd = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/jcmd` : "jcmd";

function snapshot(host, redisUrl) {
  const procs = serverProcesses(host.pid);
  for (const p of procs) {
    try { execFileSync(jcmd, [String(p.pid), "GC.run"], { stdio: "ignore" }); } catch { /* not a JVM we can attach to */ }
  }
  const per = procs.map((p) => ({ name: p.name, pid: p.pid, rssKb: status(p.pid, "VmRSS"), threads: status(p.pid, "Threads"), fds: fds(p.pid) }));
  const sum = (k) => per.reduce((s, p) => s + p[k], 0);
  const keys = Number(execFileSync("redis-cli", ["-u", redisUrl, "DBSIZE"], { encoding: "utf8" }).trim());
  return { at: new Date().toISOString(), procs: per, rssKb: sum("rssKb"), threads: sum("threads"), fds: sum("fds"), redisKeys: keys };
}

const show = (label, s) => {
  console.log(`${label}: RSS ${(s.rssKb / 1024).toFixed(1)} MB, ${s.threads} threads, ${s.fds} open files, ${s.redisKeys} Redis keys`);
  for (const p of s.procs) console.log(`  ${p.name.padEnd(34)} RSS ${(p.rssKb / 1024).toFixed(1).padStart(6)} MB  threads ${String(p.threads).padStart(4)}  fds ${String(p.fds).padStart(4)}`);
};

async function main() {
  await waitForStableBuild();
  const redis = await startRedis();
  onCleanup(() => redis.stop());
  const host = await startHost(redis.url);
  const fixtures = await startFixtures();
  onCleanup(() => fixtures.stop());
  console.log(`soak: ${minutes} min of mixed load after ${warmupS} s of warm-up, on ${host.url}`);

  let running = true;
  const counts = { echoes: 0, echoErrors: 0, fetches: 0, fetchErrors: 0, rounds: 0, roundFailures: 0, churn: 0 };
  const loops = [];
  const failures = {}; // the last failed use of each platform
  // closed-loop echo clients
  const echoSockets = await Promise.all(Array.from({ length: echoClients }, () => connectOnce(host.url)));
  onCleanup(() => closeAll(echoSockets));
  for (const s of echoSockets) {
    loops.push((async () => {
      while (running) {
        const a = await request(s, "message", ECHO, 60_000).catch((e) => ({ error: e.message }));
        if (a.error) counts.echoErrors++; else counts.echoes++;
        await sleep(20);
      }
    })());
  }
  // feeds and metadata fetches
  const fetcher = await connectOnce(host.url);
  onCleanup(() => closeAll([fetcher]));
  const FEED = { "@context": contextFor("feeds"), type: "fetch", actor: { id: `${fixtures.base}/feeds/sockethub-news.xml`, type: "feed" } };
  const PAGE = { "@context": contextFor("metadata"), type: "fetch", actor: { id: `${fixtures.base}/pages/metadata-test.html`, type: "website" } };
  loops.push((async () => {
    while (running) {
      for (const m of [FEED, PAGE]) {
        const a = await request(fetcher, "message", m, 60_000).catch((e) => ({ error: e.message }));
        if (a.error) counts.fetchErrors++; else counts.fetches++;
      }
      await sleep(1000);
    }
  })());
  // sessions that use each platform (chat included) and leave
  loops.push((async () => {
    while (running) {
      const used = await useEachPlatform(host.url);
      counts.rounds++;
      for (const r of used.results.filter((u) => !u.ok)) {
        counts.roundFailures++;
        failures[r.platform] = r.result;
      }
      await sleep(5000);
      await used.stop();
      // long enough for the janitor to end the chat instances: the next round's irc and xmpp
      // servers are new ones, and an anonymous irc nick would otherwise reclaim the old instance
      await sleep(40_000);
    }
  })());
  // socket churn
  loops.push((async () => {
    while (running) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => connectOnce(host.url).catch(() => null)));
      counts.churn += batch.filter(Boolean).length;
      closeAll(batch.filter(Boolean));
      await sleep(1000);
    }
  })());

  await sleep(warmupS * 1000);
  const start = snapshot(host, redis.url);
  show("baseline (after the warm-up, under load, after a full GC)", start);
  const endAt = Date.now() + minutes * 60_000;
  while (Date.now() < endAt) {
    await sleep(Math.min(60_000, endAt - Date.now()));
    const mid = snapshot(host, redis.url);
    console.log(`  ${mid.at}: RSS ${(mid.rssKb / 1024).toFixed(1)} MB, ${mid.threads} threads, ${mid.fds} fds, ${mid.redisKeys} keys; `
      + `${counts.echoes} echoes (${counts.echoErrors} errors), ${counts.fetches} fetches (${counts.fetchErrors} errors), `
      + `${counts.rounds} platform rounds (${counts.roundFailures} failed uses), ${counts.churn} churned sockets`);
    if (Object.keys(failures).length) console.log(`    last failed uses: ${JSON.stringify(failures)}`);
  }
  const loaded = snapshot(host, redis.url);
  show(`after ${minutes} min, still under load`, loaded);
  running = false;
  await Promise.all(loops);
  closeAll([...echoSockets, fetcher]);
  await sleep(settleS * 1000);
  const quiet = snapshot(host, redis.url);
  show(`${settleS} s after the load, every client gone`, quiet);
  const growth = (a, b) => `${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(`RSS under load: ${growth(start.rssKb, loaded.rssKb)} (goal <= 10 %); threads ${start.threads} -> ${loaded.threads}; `
    + `fds ${start.fds} -> ${loaded.fds}; Redis keys ${start.redisKeys} -> ${loaded.redisKeys} under load, ${quiet.redisKeys} with every client gone`);
  console.log(JSON.stringify({ minutes, warmupS, settleS, echoClients, counts, failures, start, loaded, quiet }));
  await host.stop();
}

main().catch((e) => { console.error(e); process.exitCode = 1; }).finally(runCleanup);
