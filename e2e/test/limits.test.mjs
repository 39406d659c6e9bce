// The reference's default limits (spec §3.9, §7.3): 100 events per second per socket with a 5 s
// block announced by one `error` event, and 20 sockets per address.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, echo, next, request, serverForTests, waitFor } from "../lib/harness.mjs";

const envelope = (summary) => ({
  type: "Error",
  "@context": ["https://www.w3.org/ns/activitystreams", "https://sockethub.org/ns/context/v1.jsonld",
    "https://sockethub.org/ns/context/platform/error/v1.jsonld"],
  actor: { type: "Application", name: "sockethub-server" },
  summary,
});

const server = serverForTests();
// The limiter's window is 1 s of server time: warm the message path first, so that the flood's
// 110 events are handled within one window even on a busy machine (cold code is slow).
before(async () => {
  await server.ready;
  const warm = await connect(server.host.url, ["websocket"]);
  try {
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 40 }, (_, i) => request(warm, "message", echo(`warm ${round}.${i}`), 30_000)));
      await new Promise((r) => setTimeout(r, 1000)); // a fresh window for the next round
    }
  } finally {
    warm.close();
  }
});

describe("the per-socket rate limit", () => {
  it("blocks a flood with one error event, spares other sockets, and lifts after the block", async () => {
    const flooder = await connect(server.host.url, ["websocket"]);
    const other = await connect(server.host.url, ["websocket"]);
    try {
      const errors = [];
      flooder.on("error", (e) => errors.push(e));
      const blocked = next(flooder, "error", () => true, 2000);
      let acks = 0;
      const started = Date.now();
      for (let i = 0; i < 110; i++) flooder.emit("message", echo(`flood ${i}`), () => { acks++; });
      assert.deepEqual(await blocked, envelope("rate limit exceeded, temporarily blocked"));
      assert.ok(Date.now() - started < 2000);
      assert.equal((await request(other, "message", echo("unaffected"))).object.content, "unaffected");
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(acks, 100, "the events past the limit get no ack");
      flooder.emit("message", echo("still blocked"), () => { acks++; });
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(acks, 100);
      assert.equal(errors.length, 1, "one error event per block");
      assert.equal((await request(flooder, "message", echo("after the block"))).object.content, "after the block");
      assert.equal(flooder.connected, true);
    } finally {
      flooder.close();
      other.close();
    }
  });
});

describe("the per-address connection cap", () => {
  it("refuses socket 21 from one address with an error event and a server disconnect", async () => {
    const sockets = [];
    try {
      for (let i = 0; i < 20; i++) sockets.push(await connect(server.host.url, ["websocket"]));
      let error;
      let gone;
      await connect(server.host.url, ["websocket"], (extra) => {
        error = next(extra, "error");
        gone = next(extra, "disconnect");
      });
      assert.deepEqual(await error, envelope("too many concurrent connections from this address"));
      assert.equal(await gone, "io server disconnect");
      sockets.pop().close();
      // the server counts the closed socket out when it sees the close: until then a new one is refused
      const again = await waitFor(async () => {
        const socket = await connect(server.host.url, ["websocket"]);
        const refused = next(socket, "disconnect", () => true, 1000).then(() => true, () => false);
        if (!(await refused)) return socket;
        socket.close();
        return null;
      }, 10_000, "a socket accepted once one of the 20 closed");
      assert.equal((await request(again, "message", echo("room again"))).object.content, "room again");
      again.close();
    } finally {
      sockets.forEach((s) => s.close());
    }
  });
});
