// workers.isolation: per-instance (design §5): each persistent instance runs in a worker JVM of
// its own, started with the instance and stopped with it; one dying takes only its own
// connection down. Stateless platforms keep one worker.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { TESTCHAT, connect, echo, next, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { creds, say, verb } from "../lib/testchat.mjs";

const server = serverForTests({
  deploy: [TESTCHAT],
  config: { workers: { isolation: "per-instance" }, janitor: { intervalMs: 500 } },
});
const open = [];
before(async () => {
  await server.ready;
});
after(() => open.forEach((s) => s.close()));

async function connected(actor) {
  const socket = await connect(server.host.url, ["websocket"]);
  open.push(socket);
  assert.equal((await request(socket, "credentials", creds(actor, { password: "pw" }))).error, undefined);
  const mark = server.host.log().length;
  const answer = await request(socket, "message", verb("connect", actor), 60_000);
  assert.equal(answer.error, undefined, JSON.stringify(answer));
  const [, lane, pid] = server.host.log().slice(mark).match(/worker for (testchat\/i\d+) started \(pid (\d+)\)/);
  return { socket, lane, pid: Number(pid) };
}
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe("per-instance worker isolation", () => {
  it("gives each instance its own worker, and a death takes only that instance down", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    assert.notEqual(alice.pid, bob.pid);
    assert.notEqual(alice.lane, bob.lane);

    const notice = next(alice.socket, "message", (m) => m.type === "error", 20_000);
    const waiting = request(alice.socket, "message", verb("wait", "alice", { object: { ms: 10_000 } }), 20_000);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(alice.pid, "SIGKILL");
    assert.equal((await waiting).error, "Error: session thread closed unexpectedly: 137");
    assert.equal((await notice).error, "Error: session thread closed unexpectedly: 137");

    // bob's connection lives on in its own worker
    assert.ok(alive(bob.pid));
    const heard = next(bob.socket, "message", (m) => m.object?.content === "heard: still here");
    assert.equal((await request(bob.socket, "message", say("bob", "still here"))).error, undefined);
    await heard;

    // alice starts again, in a new worker
    const mark = server.host.log().length;
    assert.equal((await request(alice.socket, "message", verb("connect", "alice"), 60_000)).error, undefined);
    assert.match(server.host.log().slice(mark), /worker for testchat\/i\d+ started/);
  });

  it("stops an instance's worker when the janitor reaps the instance", async () => {
    const carol = await connected("carol");
    carol.socket.close();
    await waitFor(() => !alive(carol.pid) || null, 20_000, `worker ${carol.pid} to stop`);
    // the host logs the stop once it has handled the exit, a moment after the process is gone
    const stopped = new RegExp(`worker for ${carol.lane.replace("/", "\\/")} stopped`);
    await waitFor(() => stopped.test(server.host.log()), 5_000, `the log line ${stopped}`);
  });

  it("keeps one shared worker for a stateless platform", async () => {
    const socket = await connect(server.host.url, ["websocket"]);
    open.push(socket);
    assert.equal((await request(socket, "message", echo("hi"), 60_000)).object.content, "hi");
    assert.match(server.host.log(), /worker for dummy\+feeds\+metadata started/);
  });
});
