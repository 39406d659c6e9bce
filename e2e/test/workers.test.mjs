// The job path crosses Redis to a separate worker JVM the host supervises: killing or crashing
// it loses no accepted job (each gets exactly one ack) and the next job runs on a new worker.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, contextFor, echo, next, request, serverForTests, startHost, waitFor } from "../lib/harness.mjs";

let socket;
const server = serverForTests({
  config: { jobs: { timeoutMs: 2000 }, platformHeartbeat: { intervalMs: 500, timeoutMs: 3000 }, workers: { restartBackoffMs: 200 },
    nodeHeartbeat: { ttlMs: 1500, sweepIntervalMs: 2000 } },
});

/** The gateway nodes that have keys in a Redis ({@code sockethub:{<node>}:…}). */
const nodesIn = (url) => new Set(execFileSync("redis-cli", ["-u", url, "--scan", "--pattern", "sockethub:{*"], { encoding: "utf8" })
  .split("\n").filter(Boolean).map((k) => k.slice("sockethub:{".length, k.indexOf("}:"))));
before(async () => {
  await server.ready;
  socket = await connect(server.host.url, ["websocket"]);
});
after(async () => {
  socket?.close();
});

/** Sends a job and watches its acks for a while after the first: exactly one must arrive. */
async function onlyAck(payload, settleMs = 500) {
  const acks = [];
  const first = new Promise((ok) => socket.emit("message", payload, (a) => { acks.push(a); ok(a); }));
  const answer = await Promise.race([first, new Promise((_, fail) => setTimeout(() => fail(new Error("no ack")), 30_000))]);
  await new Promise((r) => setTimeout(r, settleMs));
  assert.equal(acks.length, 1, "exactly one ack");
  return answer;
}

const fatalNotice = (error) => ({
  "@context": contextFor("dummy"), type: "error", actor: { id: "dummy", type: "service" }, error,
});

describe("the host dying", () => {
  it("takes its workers with it within 2 s, even when killed with SIGKILL, and its keys leave Redis", async () => {
    const before = nodesIn(server.redis.url);
    const other = await startHost({ redisUrl: server.redis.url, config: { nodeHeartbeat: { ttlMs: 1500, sweepIntervalMs: 2000 } } });
    try {
      const client = await connect(other.url, ["websocket"]);
      assert.ok((await request(client, "message", echo("leaves keys"))).target);
      client.close();
      const added = [...nodesIn(server.redis.url)].filter((n) => !before.has(n));
      assert.equal(added.length, 1, `the other node's keys: ${added}`);
      const pid = await other.workerPid("dummy");
      process.kill(other.pid, "SIGKILL");
      const deadline = Date.now() + 2000;
      let alive = true;
      // gone: no such process, or a zombie (it has exited; pid 1 reaps orphans when it gets to it, here up to ~1.5 s later)
      const running = () => { try { return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[0] !== "Z"; } catch { return false; } };
      while (alive && Date.now() < deadline) {
        if (running()) await new Promise((r) => setTimeout(r, 50)); else alive = false;
      }
      assert.equal(alive, false, `worker ${pid} outlived its host`);
      // a node without a heartbeat at two looks of a living node (this file's, whose settings are the defaults
      // but for its sweep) is dead: its streams, groups and credentials are deleted
      await waitFor(() => !nodesIn(server.redis.url).has(added[0]), 30_000, `the keys of dead node ${added[0]} removed`);
      assert.ok(nodesIn(server.redis.url).size >= 1, "the living node keeps its keys");
    } finally {
      await other.stop();
    }
  });
});

describe("the dummy worker", () => {
  it("is another process; killed, it is replaced and the next echo succeeds", async () => {
    assert.ok((await request(socket, "message", echo("warm"))).target);
    const mark = server.host.log().length;
    const pid = await server.host.workerPid("dummy");
    assert.notEqual(pid, server.host.pid);
    process.kill(pid, "SIGKILL");
    // the signal is asynchronous: wait until the process is gone, so the next echo cannot reach it
    await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 10_000, `pid ${pid} gone`);
    const answer = await request(socket, "message", echo("after kill"), 30_000);
    assert.equal(answer.object.content, "after kill");
    assert.notEqual(await server.host.workerPid("dummy", mark), pid);
  });

  for (const [verb, error] of [
    ["exit1", "Error: session thread closed unexpectedly: 1"],
    ["exit0", "Error: session thread closed unexpectedly: 0"],
    ["sigterm", "Error: session thread closed unexpectedly: 143"],
    ["sigkill", "Error: session thread closed unexpectedly: 137"],
    ["throwTypeError", "TypeError: dummy type error"],
    ["throwReferenceError", "ReferenceError: dummy reference error"],
  ]) {
    it(`${verb}: the job gets one error ack, the session a type:error message, and work goes on`, async () => {
      const notice = next(socket, "message", (m) => m.type === "error", 30_000);
      const sent = { ...echo("bye"), type: verb };
      assert.deepEqual(await onlyAck(sent), { ...sent, error });
      assert.deepEqual(await notice, fatalNotice(error));
      assert.equal((await request(socket, "message", echo("again"), 30_000)).object.content, "again");
    });
  }

  it("hang: the job timeout answers it once, and the worker keeps serving", async () => {
    const sent = { ...echo("wait"), type: "hang" };
    assert.deepEqual(await onlyAck(sent, 2500), { ...sent, error: "Error: job timed out after 2000 ms" });
    assert.equal((await request(socket, "message", echo("next"))).object.content, "next");
  });

  it("a worker that stops answering heartbeats is killed and replaced", async () => {
    const mark = server.host.log().length;
    const pid = await server.host.workerPid("dummy");
    const notice = next(socket, "message", (m) => m.type === "error", 30_000);
    process.kill(pid, "SIGSTOP");
    assert.equal((await notice).error, "Error: platform worker stopped responding (no heartbeat for 3000 ms)");
    assert.notEqual(await server.host.workerPid("dummy", mark), pid);
    assert.equal((await request(socket, "message", echo("revived"), 30_000)).object.content, "revived");
  });

  it("jobs sent while the worker is down wait for the next worker", async () => {
    const pid = await server.host.workerPid("dummy");
    process.kill(pid, "SIGKILL");
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => request(socket, "message", echo(`queued ${n}`), 30_000)));
    assert.deepEqual(answers.map((a) => a.object.content), ["queued 1", "queued 2", "queued 3", "queued 4", "queued 5"]);
  });
});
