// The gateway through the real socket.io-client, over both transports: the schemas handshake,
// the dummy verbs, and the pipeline's refusals, with the reference's exact texts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { connect, contextFor, echo, next, request, serverForTests } from "../lib/harness.mjs";

const DUMMY = contextFor("dummy");
const TRANSPORTS = { "polling with upgrade": ["polling", "websocket"], "websocket only": ["websocket"] };
const VERBS = ["echo", "fail", "throw", "greet", "exit0", "exit1", "throwTypeError", "throwReferenceError", "sigterm", "sigkill", "hang"];

const server = serverForTests();

for (const [name, transports] of Object.entries(TRANSPORTS)) {
  describe(`over ${name}`, () => {
    let socket;
    before(async () => { socket = await connect(server.host.url, transports); });
    after(() => socket?.close());

    it("answers schemas with the full registry, then unchanged for its fingerprint", async () => {
      const registry = await request(socket, "schemas", undefined);
      assert.match(registry.fingerprint, /^[0-9a-f]{16}$/);
      assert.equal(typeof registry.version, "string");
      assert.deepEqual(registry.contexts, { as: "https://www.w3.org/ns/activitystreams", sockethub: "https://sockethub.org/ns/context/v1.jsonld" });
      const dummy = registry.platforms.find((p) => p.id === "dummy");
      assert.ok(dummy, "dummy is registered");
      assert.equal(dummy.contextUrl, "https://sockethub.org/ns/context/platform/dummy/v1.jsonld");
      assert.equal(dummy.contextVersion, "1");
      assert.equal(dummy.schemaVersion, "1");
      assert.deepEqual(dummy.types, ["credentials", ...VERBS]);
      assert.deepEqual(dummy.schemas, { credentials: {}, messages: { required: ["type"], properties: { type: { enum: VERBS } } } });

      assert.deepEqual(await request(socket, "schemas", registry.fingerprint), { fingerprint: registry.fingerprint, unchanged: true });
      assert.deepEqual(await request(socket, "schemas", "0000000000000000"), registry);
      const pushed = next(socket, "schemas");
      socket.emit("schemas");
      assert.deepEqual(await pushed, registry);
    });

    it("echoes with actor and target swapped and the canonical @context", async () => {
      const sent = echo("hello", { "@context": [DUMMY[2], DUMMY[0], DUMMY[1]] });
      sent.object.id = "message-1";
      assert.deepEqual(await request(socket, "message", sent), {
        type: "echo", "@context": DUMMY, actor: { id: "dummy", type: "platform" },
        target: { id: "probe-user", type: "person" }, object: { type: "message", content: "hello", id: "message-1" },
      });
    });

    it("greets with the configured greeting", async () => {
      const answer = await request(socket, "message", { ...echo("world"), type: "greet" });
      assert.deepEqual(answer.object, { type: "message", content: "Hello world" });
      assert.deepEqual(answer.target, { id: "probe-user", type: "person" });
    });

    it("answers fail and throw with Error: <content> and the request", async () => {
      for (const type of ["fail", "throw"]) {
        const sent = { ...echo("failure message"), type };
        assert.deepEqual(await request(socket, "message", sent), { ...sent, error: "Error: failure message" });
      }
    });

    it("refuses an unregistered platform", async () => {
      const answer = await request(socket, "message", { ...echo("x"), "@context": contextFor("nosuch") });
      assert.equal(answer.error, "platform context URL not registered with this Sockethub instance. Unregistered platform @context value: https://sockethub.org/ns/context/platform/nosuch/v1.jsonld");
    });

    it("refuses a schema-invalid type, and credentials sent as a message", async () => {
      for (const type of ["bogus", "credentials"]) {
        const answer = await request(socket, "message", { ...echo("x"), type });
        assert.equal(answer.error, "[dummy] /type: must be equal to one of the allowed values");
        assert.equal(answer.type, type);
      }
    });

    it("refuses envelopes the reference refuses, with its texts", async () => {
      const cases = [
        [{ type: "echo", actor: { id: "a", type: "person" } }, "activity stream must contain an @context array."],
        [{ "@context": DUMMY, actor: { id: "a", type: "person" } }, "activity stream must contain a type property."],
        [{ "@context": DUMMY, type: "echo" }, "activity stream must contain an actor property."],
        [{ "@context": DUMMY, type: "echo", actor: "a" }, "[dummy] /actor: must match exactly one schema in oneOf: person, room, service, feed, website"],
        [{ "@context": DUMMY.slice(0, 2), type: "echo", actor: { id: "a", type: "person" } }, "platform context URL not registered with this Sockethub instance. No platform @context values were provided."],
        ["hello", "message received is not an object."],
        [null, "message received is not an object."],
      ];
      for (const [payload, error] of cases) {
        assert.equal((await request(socket, "message", payload)).error, error, JSON.stringify(payload));
      }
      assert.deepEqual(await request(socket, "message", "hello"), { error: "message received is not an object." });
    });

    it("acks credentials without their secrets and refuses a non-credentials type", async () => {
      const creds = { "@context": DUMMY, type: "credentials", actor: { id: "test-1@dummy", type: "person" },
        object: { id: "creds-1", type: "credentials", secret: "test-secret-1" } };
      assert.deepEqual(await request(socket, "credentials", creds), { ...creds, object: { type: "credentials" } });
      const wrong = await request(socket, "credentials", echo("x"));
      assert.equal(wrong.error, "credential activity streams must have credentials set as type");
    });

    it("ends up on the websocket transport", () => {
      assert.equal(socket.io.engine.transport.name, "websocket");
    });
  });
}

describe("the wire", () => {
  it("opens a websocket with the reference's open packet", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.host.port}/sockethub/?EIO=4&transport=websocket`);
    const first = await new Promise((ok, fail) => { ws.once("message", (m) => ok(m.toString())); ws.once("error", fail); });
    ws.close();
    assert.match(first, /^0\{"sid":"[^"]+","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":262144\}$/);
  });

  it("declines websocket compression, as the reference does", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.host.port}/sockethub/?EIO=4&transport=websocket`, { perMessageDeflate: true });
    let headers;
    ws.once("upgrade", (res) => { headers = res.headers; });
    await new Promise((ok, fail) => { ws.once("open", ok); ws.once("error", fail); });
    ws.close();
    assert.ok(headers, "the upgrade response");
    assert.equal(headers["sec-websocket-extensions"], undefined);
  });

  it("answers cross-origin polling for any origin by default", async () => {
    const open = await fetch(`${server.host.url}/sockethub/?EIO=4&transport=polling`, { headers: { Origin: "https://app.example" } });
    assert.equal(open.status, 200);
    assert.equal(open.headers.get("access-control-allow-origin"), "https://app.example");
  });

  it("refuses a websocket of another Engine.IO version", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.host.port}/sockethub/?EIO=3&transport=websocket`);
    const status = await new Promise((ok) => {
      ws.once("unexpected-response", (req, res) => ok(res.statusCode));
      ws.once("open", () => ok("open"));
      ws.once("error", () => {});
    });
    assert.equal(status, 400);
  });

  it("opens polling with an upgrade offer and refuses other protocol versions", async () => {
    const open = await fetch(`${server.host.url}/sockethub/?EIO=4&transport=polling`);
    assert.equal(open.status, 200);
    assert.match(await open.text(), /^0\{"sid":"[^"]+","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":262144\}$/);
    const v3 = await fetch(`${server.host.url}/sockethub/?EIO=3&transport=polling`);
    assert.equal(v3.status, 400);
    assert.deepEqual(await v3.json(), { code: 5, message: "Unsupported protocol version" });
    assert.equal((await fetch(`${server.host.url}/`)).status, 404);
  });

  it("answers long-polling as engine.io does: sessions, overlaps, bad packets, wrong transports, never a 5xx", async () => {
    const base = `${server.host.url}/sockethub/?EIO=4&transport=polling`;
    const open = async () => {
      const r = await fetch(base);
      assert.equal(r.status, 200);
      const sid = JSON.parse((await r.text()).slice(1)).sid;
      assert.match(sid, /^[A-Za-z0-9_-]{20}$/);
      return `${base}&sid=${sid}`;
    };
    const post = (url, body) => fetch(url, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
    const error = async (r, code, message) => {
      assert.equal(r.status, 400);
      assert.deepEqual(await r.json(), { code, message });
    };
    // a session: connect, an event and its ack, several packets in one payload
    const url = await open();
    let r = await post(url, "40");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "ok");
    assert.match(await (await fetch(url)).text(), /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    assert.equal((await post(url, `421["message",${JSON.stringify(echo("a"))}]\x1e422["message",${JSON.stringify(echo("b"))}]`)).status, 200);
    const got = [];
    while (got.length < 2) got.push(...(await (await fetch(url)).text()).split("\x1e"));
    assert.deepEqual(got.map((p) => JSON.parse(p.slice(3))[0].object.content).sort(), ["a", "b"]);
    // two polls at once: engine.io's "overlap from client" is an empty 400, and the session closes
    const waiting = fetch(url);
    await new Promise((ok) => setTimeout(ok, 100));
    const overlap = await fetch(url);
    assert.equal(overlap.status, 400);
    assert.equal(await overlap.text(), "");
    assert.equal(await (await waiting).text(), "1");
    await error(await fetch(url), 1, "Session ID unknown");
    // a packet engine.io-parser cannot read closes the session
    const garbled = await open();
    assert.equal((await post(garbled, "9garbage")).status, 200);
    await error(await fetch(garbled), 1, "Session ID unknown");
    // other requests engine.io refuses
    await error(await post(base, "40"), 2, "Bad handshake method");
    await error(await fetch(`${base}&sid=AAAAAAAAAAAAAAAAAAAA`), 1, "Session ID unknown");
    await error(await fetch(`${server.host.url}/sockethub/?EIO=4&transport=carrier-pigeon`), 0, "Transport unknown");
    await error(await fetch(`${server.host.url}/sockethub/?EIO=4&transport=websocket`), 3, "Bad request");
    await error(await fetch(`${server.host.url}/sockethub/?EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA`), 1, "Session ID unknown");
    await error(await fetch(`${server.host.url}/sockethub/?transport=polling`), 5, "Unsupported protocol version");
    assert.equal((await post(await open(), "4" + "x".repeat(300_000))).status, 413);
    const ws = new WebSocket(`ws://127.0.0.1:${server.host.port}/sockethub/?EIO=4&transport=websocket`);
    const wsSid = JSON.parse((await new Promise((ok, fail) => { ws.once("message", (m) => ok(m.toString())); ws.once("error", fail); })).slice(1)).sid;
    await error(await post(`${base}&sid=${wsSid}`, "40"), 3, "Bad request");
    ws.close();
    const preflight = await fetch(url, { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(preflight.headers.get("access-control-allow-methods"), /POST/);
  });

  it("closes a websocket that sends more than maxPayload, without an ack", async () => {
    const socket = await connect(server.host.url, ["websocket"]);
    const closed = next(socket, "disconnect");
    let acked = false;
    socket.emit("message", echo("x".repeat(300_000)), () => { acked = true; });
    assert.equal(await closed, "transport close");
    assert.equal(acked, false);
  });

  it("speaks Socket.IO packets as socket.io-parser does: namespaces, acks, binary attachments, refusals", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.host.port}/sockethub/?EIO=4&transport=websocket`);
    const frames = [];
    let waiting = null;
    ws.on("message", (m, binary) => { frames.push(binary ? m : m.toString()); waiting?.(); });
    const closed = new Promise((ok) => ws.once("close", ok));
    const frame = async (match) => {
      for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
        const i = frames.findIndex((f) => typeof f === "string" && match(f));
        if (i >= 0) return frames.splice(i, 1)[0];
        await new Promise((ok) => { waiting = ok; setTimeout(ok, 100); });
      }
      assert.fail(`no frame matched; had ${JSON.stringify(frames)}`);
    };
    await frame((f) => f.startsWith("0{"));
    ws.send("40/admin,");
    assert.equal(await frame((f) => f.startsWith("44")), `44/admin,{"message":"Invalid namespace"}`);
    ws.send("40");
    const sid = JSON.parse((await frame((f) => f.startsWith("40"))).slice(2)).sid;
    ws.send(`421["message",${JSON.stringify(echo("raw"))}]`);
    const ack = JSON.parse((await frame((f) => f.startsWith("431["))).slice(3));
    assert.equal(ack[0].object.content, "raw");
    assert.equal(ack[0].actor.id, "dummy");
    // a binary event: its attachment arrives as a Node Buffer's JSON, which is no activity
    ws.send(`451-2["message",{"_placeholder":true,"num":0}]`);
    ws.send(Buffer.from([1, 2, 3]));
    const refused = JSON.parse((await frame((f) => f.startsWith("432["))).slice(3));
    assert.equal(typeof refused[0].error, "string");
    assert.deepEqual(refused[0].data, [1, 2, 3]);
    // leaving the namespace and joining again is a new Socket.IO socket on the same connection
    ws.send("41");
    ws.send("40");
    const again = JSON.parse((await frame((f) => f.startsWith("40"))).slice(2)).sid;
    assert.notEqual(again, sid);
    // a packet socket.io-parser refuses (an event that is no array) closes the connection
    ws.send(`42{"not":"an array"}`);
    await closed;
  });

  it("ignores events it does not know and message without payload", async () => {
    const socket = await connect(server.host.url, ["websocket"]);
    let answered = false;
    socket.emit("bogus-event", { a: 1 }, () => { answered = true; });
    socket.emit("message", () => { answered = true; });
    assert.ok((await request(socket, "message", echo("still here"))).actor);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(answered, false);
    socket.close();
  });
});
