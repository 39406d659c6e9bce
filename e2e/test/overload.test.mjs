// Overload (issue 13): a lane holds at most jobs.maxWaiting unanswered jobs; the next ones are
// refused at once with an error ack instead of waiting out the job timeout behind a queue that
// cannot drain in time. Whatever happens, every job gets exactly one ack.
import { before, after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, echo, request, serverForTests } from "../lib/harness.mjs";

const BUSY = "server busy: 3 jobs already waiting for dummy; try again later";
const server = serverForTests({ config: { jobs: { maxWaiting: 3, timeoutMs: 3000 } } });
let socket;
before(async () => {
  await server.ready;
  socket = await connect(server.host.url, ["websocket"]);
  assert.equal((await request(socket, "message", echo("warm"), 30_000)).object.content, "warm");
});
after(() => socket?.close());

describe("a lane at its limit", () => {
  it("refuses the next job at once with an error ack, and takes jobs again once its jobs are answered", async () => {
    const hanging = [1, 2, 3].map((i) => request(socket, "message", { ...echo(`hang ${i}`), type: "hang" }, 10_000));
    await new Promise((r) => setTimeout(r, 300)); // the three are submitted
    const sent = echo("one too many");
    const started = Date.now();
    assert.deepEqual(await request(socket, "message", sent), { ...sent, error: BUSY });
    const ms = Date.now() - started;
    console.log(`# refused after ${ms} ms`);
    assert.ok(ms < 1000, `refused after ${ms} ms, not at once`);
    const metrics = await (await fetch(`${server.host.url}/metrics`)).text();
    assert.match(metrics, /sockethub_jobs_total\{platform="dummy",outcome="refused"\} [1-9]\d*/);
    for (const answer of await Promise.all(hanging)) {
      assert.equal(answer.error, "Error: job timed out after 3000 ms");
    }
    assert.equal((await request(socket, "message", echo("room again"))).object.content, "room again");
  });

  it("answers every job of a burst far beyond the limit exactly once, served or refused", async () => {
    const sockets = await Promise.all([1, 2, 3].map(() => connect(server.host.url, ["websocket"])));
    try {
      const acks = new Map();
      const all = [];
      sockets.forEach((s, n) => {
        for (let i = 0; i < 100; i++) {
          const id = `${n}.${i}`;
          all.push(new Promise((ok) => s.emit("message", echo(id), (answer) => {
            acks.set(id, (acks.get(id) ?? 0) + 1);
            ok(answer);
          })));
        }
      });
      const answers = await Promise.all(all);
      await new Promise((r) => setTimeout(r, 1000)); // room for a second ack, which must not come
      assert.equal(acks.size, 300);
      assert.ok([...acks.values()].every((n) => n === 1), "one ack per job");
      const served = answers.filter((a) => a.error === undefined);
      const refused = answers.filter((a) => a.error !== undefined);
      console.log(`# 300 sent at once: ${served.length} served, ${refused.length} refused`);
      assert.ok(served.length >= 3, "the lane serves what it can");
      for (const a of served) assert.equal(typeof a.object.content, "string");
      for (const a of refused) assert.equal(a.error, BUSY);
      assert.equal((await request(sockets[0], "message", echo("after the burst"))).object.content, "after the burst");
    } finally {
      sockets.forEach((s) => s.close());
    }
  });
});
