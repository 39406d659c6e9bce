// The client web apps install from npm today, @sockethub/client 5.0.0-alpha.11 (no schemas
// handshake; it declares objects with `activity-object` and then refers to them by id), for real.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import SockethubClient from "@sockethub/client";
import { contextFor, serverForTests } from "../lib/harness.mjs";

let sc;
const server = serverForTests();
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
