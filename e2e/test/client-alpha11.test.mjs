// The client web apps install from npm today, @sockethub/client 5.0.0-alpha.11 (no schemas
// handshake; it declares objects with `activity-object` and then refers to them by id), for real.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import SockethubClient from "@sockethub/client";
import { TESTCHAT, contextFor, next, serverForTests, waitFor } from "../lib/harness.mjs";
import { creds, say, verb } from "../lib/testchat.mjs";

let sc;
const server = serverForTests({ deploy: [TESTCHAT] });
before(async () => {
  await server.ready;
  sc = new SockethubClient(io(server.host.url, { path: "/sockethub", transports: ["websocket"], forceNew: true, reconnection: false }));
  sc.debug = false;
  await new Promise((ok) => sc.socket.once("connect", ok));
});
after(async () => {
  sc?.socket.disconnect();
});

const send = (event, payload) => new Promise((ok) => sc.socket.emit(event, payload, ok));

describe("@sockethub/client 5.0.0-alpha.11", () => {
  it("declares an actor with activity-object and echoes with only its id", async () => {
    const alice = { id: "alice@example.org", type: "person", name: "Alice" };
    sc.ActivityStreams.Object.create(alice);
    await new Promise((r) => setTimeout(r, 300)); // the client records the object once the server acks it
    assert.ok(sc.events["activity-object"].has(alice.id), "the server accepted the activity-object");
    const answer = await send("message", {
      "@context": contextFor("dummy"), type: "echo", actor: alice.id, object: { type: "message", content: "hi" },
    });
    assert.equal(answer.error, undefined, JSON.stringify(answer));
    assert.deepEqual(answer.target, alice);
    assert.deepEqual(answer.actor, { id: "dummy", type: "platform" });
  });

  it("stores credentials and gets validation errors in the reference's words", async () => {
    const creds = await send("credentials", { "@context": contextFor("dummy"), type: "credentials",
      actor: { id: "alice@example.org", type: "person" }, object: { type: "credentials", secret: "s" } });
    assert.equal(creds.error, undefined);
    const bad = await send("message", { "@context": contextFor("dummy"), type: "bogus", actor: { id: "a", type: "person" } });
    assert.equal(bad.error, "[dummy] /type: must be equal to one of the allowed values");
  });

  it("without a declared object, a string actor still fails as the reference answers", async () => {
    const answer = await send("message", { "@context": contextFor("dummy"), type: "echo", actor: "nobody@example.org" });
    assert.equal(answer.error, "[dummy] /actor: must match exactly one schema in oneOf: person, room, service, feed, website");
  });
});

describe("@sockethub/client 5.0.0-alpha.11 reconnecting", () => {
  /**
   * The SDK remembers credentials and connect per actor and replays them, without acks, on every
   * socket.io reconnect (spec §1.10); the new socket must find the actor's instance again.
   */
  for (const [what, secret] of [["password-bearing", { password: "pw" }], ["anonymous", { nick: "x" }]]) {
    it(`replays ${what} credentials and connect after a dropped transport, and the chat goes on`, async () => {
      const actor = `replay-${what}`;
      const client = new SockethubClient(io(server.host.url, { path: "/sockethub", transports: ["websocket"], forceNew: true,
        reconnectionDelay: 100, reconnectionDelayMax: 200 }));
      client.debug = false;
      const emit = (event, payload) => new Promise((ok) => client.socket.emit(event, payload, ok));
      try {
        await new Promise((ok) => client.socket.once("connect", ok));
        assert.equal((await emit("credentials", creds(actor, secret))).error, undefined);
        assert.equal((await emit("message", verb("connect", actor))).error, undefined);
        const firstId = client.socket.id;

        client._socket.io.engine.close(); // the network drops; socket.io reconnects by itself
        await waitFor(() => client.socket.connected && client.socket.id !== firstId || null, 10_000, "reconnect");
        // the replayed connect has no ack: wait until the instance answers this socket
        let answer;
        for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
          answer = await emit("message", say(actor, "after the drop"));
          if (answer.error === undefined) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(answer.error, undefined, `send after reconnect: ${JSON.stringify(answer)}`);
        const heard = next(client._socket, "message", (m) => m.object?.content === "heard: again");
        assert.equal((await emit("message", say(actor, "again"))).error, undefined);
        await heard;
      } finally {
        client.socket.disconnect();
      }
    });
  }
});
