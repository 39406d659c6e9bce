// What an operator has: the sockethub:* console commands in the host's own Gogo shell
// (--console), /health and /metrics (issue 7, design §12).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  TESTCHAT, connect, contextFor, echo, freePort, hostCommand, next, request, serverForTests, startHost, startRedis, waitFor,
} from "../lib/harness.mjs";
import { creds, verb } from "../lib/testchat.mjs";

const server = serverForTests({ args: ["--console"], stdin: true, config: { janitor: { intervalMs: 60_000 } } });
let socket;
before(async () => {
  await server.ready;
  socket = await connect(server.host.url, ["websocket"]);
  await request(socket, "message", echo("warm"), 60_000);
});
after(() => socket?.close());

/** Types a console command and resolves with the host's output after it, once `until` shows up. */
async function run(command, until) {
  const mark = server.host.log().length;
  server.host.type(command);
  return waitFor(() => {
    const out = server.host.log().slice(mark);
    return until.test(out) ? out : null;
  }, 20_000, `output of ${command} matching ${until}`);
}

describe("the console (--console)", () => {
  it("lists platforms and workers", async () => {
    const platforms = await run("sockethub:platforms", /dummy\s+\S+\s+org\.sockethub\.platform\.dummy\s+\S+\s+sockethub-platform-dummy-\S+\.jar\s+up pid \d+\s+0/);
    assert.match(platforms, /PLATFORM\s+VERSION\s+BUNDLE\s+FILE\s+WORKER\s+INSTANCES/);
    const pid = await server.host.workerPid("dummy");
    assert.match(await run("sockethub:workers", new RegExp(`dummy\\s+${pid}\\s+up`)), /WORKER\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+JOBS/);
  });

  it("deploys a platform JAR, shows its instances and sessions, and undeploys it", async () => {
    await run(`sockethub:deploy ${TESTCHAT}`, /deployed .*sockethub-platform-testchat/);
    await waitFor(async () => (await request(socket, "schemas")).platforms.some((p) => p.id === "testchat") || null, 20_000, "testchat");
    assert.equal((await request(socket, "credentials", creds("opal", { password: "pw" }))).error, undefined);
    assert.equal((await request(socket, "message", verb("connect", "opal"), 60_000)).error, undefined);
    await run("sockethub:instances", /i\d+\s+testchat\s+opal\s+1\s+yes\s+0/);
    await run("sockethub:sessions", new RegExp(`${socket.id}\\s+socket\\s+127\\.0\\.0\\.1\\s+\\S+\\s+i\\d+`));

    const notice = next(socket, "message", (m) => m.type === "error", 20_000);
    await run("sockethub:undeploy testchat", /removed .*sockethub-platform-testchat/);
    assert.equal((await notice).error, "Error: platform testchat was removed");
    await waitFor(async () => !(await request(socket, "schemas")).platforms.some((p) => p.id === "testchat") || null, 20_000, "testchat gone");
  });

  it("restarts a platform's worker", async () => {
    const mark = server.host.log().length;
    const old = await server.host.workerPid("dummy");
    await run("sockethub:restart dummy", /restarted dummy/);
    const fresh = await server.host.workerPid("dummy", mark);
    assert.notEqual(fresh, old);
    assert.equal((await request(socket, "message", echo("after restart"), 60_000)).object.content, "after restart");
  });
});

describe("/health and /metrics", () => {
  it("reports Redis and the workers, and counts jobs by outcome with their latency", async () => {
    const health = await fetch(`${server.host.url}/health`);
    assert.equal(health.status, 200);
    const body = await health.json();
    assert.equal(body.status, "ok");
    assert.equal(body.redis, "ok");
    assert.ok(body.workers.some((w) => w.platform === "dummy" && w.up));

    await request(socket, "message", { ...echo("boom"), type: "fail" });
    const metrics = await (await fetch(`${server.host.url}/metrics`)).text();
    assert.match(metrics, /# TYPE sockethub_jobs_total counter/);
    assert.match(metrics, /sockethub_jobs_total\{platform="dummy",outcome="result"\} [1-9]\d*/);
    assert.match(metrics, /sockethub_jobs_total\{platform="dummy",outcome="failure"\} [1-9]\d*/);
    assert.match(metrics, /# TYPE sockethub_job_duration_seconds histogram/);
    assert.match(metrics, /sockethub_job_duration_seconds_bucket\{platform="dummy",le="\+Inf"\} [1-9]\d*/);
    assert.match(metrics, /sockethub_job_duration_seconds_count\{platform="dummy"\} [1-9]\d*/);
    assert.match(metrics, /sockethub_connections [1-9]\d*/);
    assert.match(metrics, /sockethub_workers_up\{platform="dummy"\} 1/);
    assert.match(metrics, /sockethub_redis_errors_total 0/);
  });

  it("refuses jobs at once while Redis is gone, and takes them again once it is back (empty)", async () => {
    const redis = await startRedis({ own: true });
    const port = Number(new URL(redis.url).port);
    const host = await startHost({ redisUrl: redis.url });
    let back;
    try {
      const socket = await connect(host.url, ["websocket"]);
      assert.equal((await request(socket, "message", echo("before"))).object.content, "before");
      const creds = { "@context": contextFor("dummy"), type: "credentials", actor: { id: "keeper", type: "person" },
        object: { type: "credentials", secret: "s" } };
      assert.equal((await request(socket, "credentials", creds)).error, undefined);
      const told = next(socket, "message", (m) => m.type === "error", 40_000);
      await redis.stop();
      await waitFor(() => /Redis at .* is unreachable: jobs are refused/.test(host.log()), 10_000, "the log line");
      const sent = Date.now();
      const refused = await request(socket, "message", echo("while gone"), 5000);
      assert.equal(refused.error, "failed to add job to queue: Redis is unreachable");
      assert.ok(Date.now() - sent < 1000, `answered in ${Date.now() - sent} ms`);
      back = await startRedis({ own: true, port }); // restarted without its data, as after a crash
      await waitFor(async () => {
        const a = await request(socket, "message", echo("after"), 5000).catch(() => null);
        return a && a.error === undefined && a.object.content === "after";
      }, 40_000, "an echo once Redis is back");
      assert.match(host.log(), /Redis at .* is reachable again/);
      // the credentials went with the data: the session is told to send them again
      const notice = await told;
      assert.equal(notice.error, "credentials for dummy:keeper were lost with Redis; send credentials again");
      socket.close();
    } finally {
      await host.stop();
      await back?.stop();
    }
  });

  it("answers the jobs in flight when Redis comes back empty: idempotent ones run again, others get an error", async () => {
    const redis = await startRedis({ own: true });
    const port = Number(new URL(redis.url).port);
    const host = await startHost({ redisUrl: redis.url });
    let back;
    let pid;
    try {
      const socket = await connect(host.url, ["websocket"]);
      assert.equal((await request(socket, "message", echo("warm"))).object.content, "warm");
      pid = await host.workerPid("dummy");
      process.kill(pid, "SIGSTOP"); // its blocked read still takes the jobs: they are in flight, not answered
      const echoed = request(socket, "message", echo("in flight"), 60_000);
      const hung = request(socket, "message", { ...echo("in flight"), type: "hang" }, 60_000);
      await new Promise((r) => setTimeout(r, 500));
      await redis.stop();
      await waitFor(() => /Redis at .* is unreachable/.test(host.log()), 10_000, "the loss noticed");
      back = await startRedis({ own: true, port }); // back without its data
      const returned = Date.now();
      process.kill(pid, "SIGCONT");
      const [e, h] = await Promise.all([echoed, hung]);
      const took = Date.now() - returned;
      assert.equal(e.error, undefined, JSON.stringify(e));
      assert.equal(e.object.content, "in flight");
      assert.equal(h.error, "Error: the job was lost with Redis");
      assert.ok(took < 5000, `answered ${took} ms after Redis came back`);
      socket.close();
    } finally {
      try { if (pid) process.kill(pid, "SIGCONT"); } catch { /* gone */ }
      await host.stop();
      await back?.stop();
    }
  });

  it("answers 503 when Redis is gone", async () => {
    const redis = await startRedis({ own: true });
    const host = await startHost({ redisUrl: redis.url });
    try {
      await redis.stop();
      const health = await fetch(`${host.url}/health`);
      assert.equal(health.status, 503);
      assert.equal((await health.json()).redis, "unreachable");
      assert.match(await (await fetch(`${host.url}/metrics`)).text(), /sockethub_redis_errors_total [1-9]/);
    } finally {
      await host.stop();
    }
  });
  it("answers 503 while a configured Redis that is not up yet is waited for, then starts", async () => {
    const redisPort = await freePort();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "sockethub-e2e-"));
    mkdirSync(join(dir, "deploy"));
    writeFileSync(join(dir, "sockethub.config.json"), "{}");
    const child = spawn(...hostCommand(["--port", String(port), "--config", join(dir, "sockethub.config.json"),
      "--redis.url", `redis://127.0.0.1:${redisPort}`, "--deploy", join(dir, "deploy")]), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (c) => { log += c; });
    child.stderr.on("data", (c) => { log += c; });
    const exited = new Promise((ok) => child.once("exit", ok));
    let redis;
    try {
      await waitFor(() => log.includes(`Redis at redis://127.0.0.1:${redisPort} does not answer; retrying every second`), 30_000, "the wait's log line");
      const health = await waitFor(async () => { try { return await fetch(`http://127.0.0.1:${port}/health`); } catch { return null; } }, 10_000, "/health");
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { redis: "unreachable", workers: [], status: "unavailable" });
      const page = await fetch(`http://127.0.0.1:${port}/sockethub/?EIO=4&transport=polling`);
      assert.equal(page.status, 503, "the Socket.IO path is unavailable too (clients retry)");
      await page.text();
      redis = await startRedis({ own: true, port: redisPort });
      await waitFor(() => /sockethub listening on ws:/.test(log), 60_000, "listening once Redis answers");
      assert.match(log, new RegExp(`Redis at redis://127.0.0.1:${redisPort} answers`));
      const socket = await connect(`http://127.0.0.1:${port}`, ["websocket"]);
      try {
        const answer = await request(socket, "message", echo("after the wait"), 30_000);
        assert.equal(answer.object?.content, "after the wait", JSON.stringify(answer));
      } finally {
        socket.close();
      }
      const ok = await waitFor(async () => { const r = await fetch(`http://127.0.0.1:${port}/health`); return r.status === 200 ? r : null; }, 30_000, "/health 200");
      assert.equal((await ok.json()).redis, "ok");
    } finally {
      child.kill("SIGTERM");
      await exited;
      await redis?.stop();
    }
  });
});
