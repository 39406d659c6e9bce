// Persistent platform instances (spec §3.5–§3.9, design §7, issue 3), with the testchat platform
// dropped into the server's deploy/ folder: who may share a connection, fan-out, pushes, the
// janitor's grace, credential failures, actor renames, workers dying with jobs in flight, and the
// platform replaced under a running job.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { TESTCHAT, connect, next, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { drop, jarVariant } from "../lib/jars.mjs";
import { CHAT, creds, person, say, verb } from "../lib/testchat.mjs";
const silence = (socket, event, ms) => new Promise((ok, fail) => {
  const on = (payload) => fail(new Error(`unexpected ${event}: ${JSON.stringify(payload)}`));
  socket.on(event, on);
  setTimeout(() => { socket.off(event, on); ok(); }, ms);
});

const open = [];
async function client() {
  const socket = await connect(server.host.url, ["websocket"]);
  open.push(socket);
  return socket;
}
async function connected(actor, object) {
  const socket = await client();
  assert.equal((await request(socket, "credentials", creds(actor, object))).error, undefined);
  const answer = await request(socket, "message", verb("connect", actor));
  assert.equal(answer.error, undefined, JSON.stringify(answer));
  return socket;
}

const server = serverForTests({
  deploy: [TESTCHAT],
  // more sockets than the default per-address cap (20) stay open across this file
  config: { janitor: { intervalMs: 1000 }, jobs: { timeoutMs: 4000 }, workers: { restartBackoffMs: 200 }, rateLimiter: { maxConnectionsPerIp: 100 } },
});
after(async () => {
  open.forEach((s) => s.close());
});

describe("a persistent instance", () => {
  it("is shared by sockets with the same password-bearing credentials; each sees the other's results and the pushes", async () => {
    const a = await connected("alice", { password: "pw" });
    const b = await connected("alice", { password: "pw" });
    const fanned = next(b, "message", (m) => m.type === "send" && m.object?.content === "hi");
    const pushedA = next(a, "message", (m) => m.object?.content === "heard: hi");
    const pushedB = next(b, "message", (m) => m.object?.content === "heard: hi");
    const ack = await request(a, "message", say("alice", "hi"));
    assert.equal(ack.error, undefined);
    assert.deepEqual(await fanned, ack, "the other session gets the result as a message");
    assert.deepEqual(await pushedA, await pushedB);
    assert.deepEqual((await pushedA)["@context"], CHAT);
  });

  it("refuses a second connected socket with anonymous credentials: username already in use", async () => {
    await connected("bob", { nick: "bob" });
    const intruder = await client();
    await request(intruder, "credentials", creds("bob", { nick: "bob" }));
    assert.equal((await request(intruder, "message", verb("connect", "bob"))).error, "username already in use");
  });

  it("gives other secret-bearing credentials for the same actor an instance of their own (a second device)", async () => {
    const laptop = await connected("dave", { password: "pw" });
    const phone = await connected("dave", { password: "pw", nick: "dave-phone" });
    const overheard = silence(phone, "message", 1000);
    assert.equal((await request(laptop, "message", say("dave", "from the laptop"))).error, undefined);
    await overheard;
    const heard = next(phone, "message", (m) => m.object?.content === "heard: from the phone");
    assert.equal((await request(phone, "message", say("dave", "from the phone"))).error, undefined);
    await heard;
    // a wrong password is the network's to answer, and leaves the connected sessions alone
    const wrong = await client();
    await request(wrong, "credentials", creds("dave", { password: "wrong" }));
    assert.equal((await request(wrong, "message", verb("connect", "dave"))).error, "authentication failed");
    assert.equal((await request(laptop, "message", say("dave", "still mine"))).error, undefined);
  });

  it("detaches a sharing session that connects again with other credentials", async () => {
    const a = await connected("lee", { password: "pw" });
    const b = await connected("lee", { password: "pw" });
    await request(b, "credentials", creds("lee", { password: "changed" }));
    assert.equal((await request(b, "message", verb("connect", "lee"))).error, undefined, "its own instance");
    const overheard = silence(b, "message", 1000);
    assert.equal((await request(a, "message", say("lee", "only for a"))).error, undefined);
    await overheard;
  });

  it("cannot be reached by a session that only knows the actor id", async () => {
    const owner = await connected("erin", { password: "pw" });
    const stranger = await client();
    const overheard = silence(stranger, "message", 1500);
    // no credentials of its own: an instance of its own, not connected
    assert.equal((await request(stranger, "message", say("erin", "let me in"))).error, "send called on uninitialized platform");
    assert.equal((await request(owner, "message", say("erin", "private"))).error, undefined);
    await overheard;
  });

  it("is reclaimed by a new socket from the same address while its grace lasts", async () => {
    const first = await connected("carol", { nick: "carol" });
    assert.equal((await request(first, "message", say("carol", "before"))).error, undefined);
    first.close();
    await new Promise((r) => setTimeout(r, 300));
    const second = await client();
    await request(second, "credentials", creds("carol", { nick: "carol" }));
    const heard = next(second, "message", (m) => m.object?.content === "heard: after refresh");
    // no connect: the reclaimed instance is already initialized
    assert.equal((await request(second, "message", say("carol", "after refresh"))).error, undefined);
    await heard;
  });

  it("is gone after a failed connect, so the next attempt starts fresh", async () => {
    const socket = await client();
    await request(socket, "credentials", creds("frank", { password: "wrong" }));
    assert.equal((await request(socket, "message", verb("connect", "frank"))).error, "authentication failed");
    assert.equal((await request(socket, "message", say("frank", "x"))).error, "send called on uninitialized platform");
    await request(socket, "credentials", creds("frank", { password: "right" }));
    assert.equal((await request(socket, "message", verb("connect", "frank"))).error, undefined);
    assert.equal((await request(socket, "message", say("frank", "y"))).error, undefined);
  });

  it("refuses verbs before connect with the reference's text", async () => {
    const socket = await client();
    assert.equal((await request(socket, "message", say("gina", "early"))).error, "send called on uninitialized platform");
    assert.equal((await request(socket, "message", verb("connect", "gina"))).error, "credentials not found for testchat:gina");
  });

  it("keeps serving its sessions under a new actor id after a rename", async () => {
    const socket = await connected("hank", { password: "pw" });
    const renamed = await request(socket, "message", verb("update", "hank", { target: person("hank2") }));
    assert.equal(renamed.error, undefined);
    const heard = next(socket, "message", (m) => m.object?.content === "heard: new name");
    assert.equal((await request(socket, "message", say("hank2", "new name"))).error, undefined);
    assert.deepEqual((await heard).target, person("hank2"));
  });

  it("runs one session's jobs in order, one at a time", async () => {
    const socket = await connected("ivy", { password: "pw" });
    const order = [];
    await Promise.all([300, 10, 100].map((ms, i) =>
      request(socket, "message", verb("wait", "ivy", { object: { ms } })).then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2]);
  });
});

describe("a worker dying with persistent jobs in flight", () => {
  it("answers every one of them with an error, tells the sessions, and the next connect works", async () => {
    const sockets = await Promise.all(["j1", "j2", "j3"].map((actor) => connected(actor, { password: "pw" })));
    const notices = sockets.map((s) => next(s, "message", (m) => m.type === "error", 20_000));
    const waits = sockets.map((s, i) => request(s, "message", verb("wait", `j${i + 1}`, { object: { ms: 10_000 } }), 20_000));
    await new Promise((r) => setTimeout(r, 500));
    const pid = await server.host.workerPid("testchat");
    process.kill(pid, "SIGKILL");
    for (const answer of await Promise.all(waits)) {
      assert.equal(answer.error, "Error: session thread closed unexpectedly: 137");
    }
    for (const [i, notice] of (await Promise.all(notices)).entries()) {
      assert.deepEqual(notice.actor, { id: `j${i + 1}`, type: "service" });
      assert.equal(notice.error, "Error: session thread closed unexpectedly: 137");
    }
    const again = await request(sockets[0], "message", verb("connect", "j1"), 30_000);
    assert.equal(again.error, undefined);
  });

  it("a job that outlives jobs.timeoutMs is answered once and its instance reset", async () => {
    const socket = await connected("kim", { password: "pw" });
    const notice = next(socket, "message", (m) => m.type === "error", 20_000);
    const answer = await request(socket, "message", verb("wait", "kim", { object: { ms: 8000 } }), 20_000);
    assert.equal(answer.error, "Error: job timed out after 4000 ms");
    assert.equal((await notice).error, "Error: job timed out after 4000 ms");
    assert.equal((await request(socket, "message", say("kim", "x"))).error, "send called on uninitialized platform");
    assert.equal((await request(socket, "message", verb("connect", "kim"))).error, undefined);
  });
});

describe("a persistent platform replaced in deploy/", () => {
  it("lets the job its instance is running finish, then ends the instance and tells its sessions; the new code connects", async () => {
    const socket = await connected("rita", { password: "pw" });
    const notice = next(socket, "message", (m) => m.type === "error", 20_000);
    const waiting = request(socket, "message", verb("wait", "rita", { object: { ms: 1500 } }), 20_000);
    await new Promise((r) => setTimeout(r, 500)); // running on the old worker
    const work = mkdtempSync(join(tmpdir(), "sockethub-persistent-"));
    try {
      drop(jarVariant(TESTCHAT, join(work, "v2.jar"), { manifest: { "Bundle-Version": "2.0.0" } }),
        server.host.deployDir, basename(TESTCHAT));
      assert.deepEqual(await notice, {
        "@context": CHAT, type: "error", actor: { id: "rita", type: "service" }, error: "Error: platform testchat was replaced",
      });
      assert.equal((await waiting).error, undefined, "the running job was answered by the draining worker");
      await waitFor(async () => (await request(socket, "schemas", undefined)).platforms
        .find((p) => p.id === "testchat")?.version === "2.0.0", 15_000, "testchat 2.0.0");
      const again = await request(socket, "message", verb("connect", "rita"), 30_000);
      assert.equal(again.error, undefined, JSON.stringify(again));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
