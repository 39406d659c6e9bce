// A worker that dies under jobs of idempotent verbs (the descriptor's idempotent(...): dummy's
// echo and greet, feeds' and metadata's fetch): those jobs run once more on the next worker, so
// the client gets its answer instead of the worker's death; each still gets exactly one ack.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, echo, request, serverForTests } from "../lib/harness.mjs";

const server = serverForTests({ config: { workers: { restartBackoffMs: 200 } } });
let socket;
before(async () => {
  await server.ready;
  socket = await connect(server.host.url, ["websocket"]);
});
after(() => socket?.close());

describe("a worker killed under idempotent jobs", () => {
  it("runs the echoes it held once more on the next worker: each answered once, none with an error", async () => {
    assert.ok((await request(socket, "message", echo("warm"))).target);
    const pid = await server.host.workerPid("dummy");
    const mark = server.host.log().length;
    // stopped, the worker's blocked read still takes jobs from Redis: it holds them when it dies
    process.kill(pid, "SIGSTOP");
    const sent = Array.from({ length: 20 }, (_, i) => `held ${i}`);
    const acks = new Map(sent.map((c) => [c, []]));
    const answers = Promise.all(sent.map((content) => new Promise((ok) => socket.emit("message", echo(content), (a) => {
      acks.get(content).push(a);
      ok(a);
    }))));
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, "SIGKILL");
    const got = await Promise.race([answers, new Promise((_, fail) => setTimeout(() => fail(new Error("not every echo was answered")), 30_000))]);
    await new Promise((r) => setTimeout(r, 500));
    got.forEach((a, i) => {
      assert.equal(a.error, undefined, `no error ack: ${JSON.stringify(a)}`);
      assert.equal(a.object.content, sent[i]);
    });
    for (const [content, list] of acks) assert.equal(list.length, 1, `one ack for ${content}`);
    assert.match(server.host.log().slice(mark), /[1-9]\d* job\(s\) of idempotent verbs taken by dummy run again on the next worker/);
  });
});
