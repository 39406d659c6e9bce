// The HTTP surface on the Socket.IO port (spec §6.6, §7.2): the browser scripts, and HTTP actions
// with the reference's integration settings (ids required, at most 3 messages, 2048-byte bodies,
// replays kept 5 s, 4 s per request, 2 s between lines).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, TESTCHAT, connect, contextFor, echo, request, serverForTests, startHost } from "../lib/harness.mjs";
import { creds as chatCreds, say, verb } from "../lib/testchat.mjs";

const http = { enabled: true, requireRequestId: true, maxMessagesPerRequest: 3, maxPayloadBytes: 2048,
  idempotencyTtlMs: 5000, requestTimeoutMs: 4000, idleTimeoutMs: 2000 };
const server = serverForTests({ config: { httpActions: http }, deploy: [TESTCHAT] });
/**
 * Runs a first job on the host's dummy worker and, where it is deployed, the testchat worker: the
 * 2 s idle timeout would otherwise count their cold first job (class loading, JIT) on a busy machine.
 */
async function warm(host, { testchat = false } = {}) {
  const socket = await connect(host.url, ["websocket"]);
  await request(socket, "message", echo("warm"), 60_000);
  if (testchat) {
    await request(socket, "credentials", chatCreds("warm-up", { password: "pw" }), 60_000);
    await request(socket, "message", verb("connect", "warm-up"), 60_000);
    await request(socket, "message", say("warm-up", "warm"), 60_000);
  }
  socket.close();
}
before(async () => {
  await server.ready;
  await warm(server.host, { testchat: true });
});

let ids = 0;
const newId = () => `req-${Date.now()}-${++ids}`;
const post = (body, headers = {}, host = server.host) => fetch(`${host.url}/sockethub-http`, {
  method: "POST", headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const lines = async (response) => (await response.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
const dummyEcho = (content) => ({ ...echo(content), actor: { id: "test@dummy", type: "person" } });

describe("the browser scripts", () => {
  it("serves /socket.io.js and /sockethub-client.js from the released npm packages, to any origin", async () => {
    for (const [path, file] of [
      ["/socket.io.js", "host/gateway/target/npm/node_modules/socket.io-client/dist/socket.io.js"],
      ["/sockethub-client.js", "host/gateway/target/npm/node_modules/@sockethub/client/dist/sockethub-client.browser.js"],
      ["/sockethub-client.min.js", "host/gateway/target/npm/node_modules/@sockethub/client/dist/sockethub-client.min.js"],
    ]) {
      const response = await fetch(server.host.url + path, { headers: { origin: "http://example.test" } });
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.match(response.headers.get("content-type"), /javascript/);
      assert.equal(await response.text(), readFileSync(join(ROOT, file), "utf8"), path);
    }
    assert.equal((await fetch(server.host.url + "/")).status, 404);
  });
});

describe("HTTP actions", () => {
  it("runs one echo and streams its answer as one NDJSON line", async () => {
    const id = newId();
    const response = await post(dummyEcho("hello"), { "x-request-id": id });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/x-ndjson;charset=utf-8");
    assert.equal(response.headers.get("x-request-id"), id);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.ok(response.headers.get("ratelimit-limit"));
    const [line, ...rest] = await lines(response);
    assert.equal(rest.length, 0);
    assert.deepEqual(line, { type: "echo", "@context": contextFor("dummy"), actor: { id: "dummy", type: "platform" },
      object: { type: "message", content: "hello" }, target: { id: "test@dummy", type: "person" } });

    const again = await post(dummyEcho("hello"), { "x-request-id": id });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("x-idempotent-replay"), "true");
    assert.deepEqual(await lines(again), [line]);
    for (const url of [`/sockethub-http/${id}`, `/sockethub-http?requestId=${id}`]) {
      const replay = await fetch(server.host.url + url);
      assert.equal(replay.status, 200, url);
      assert.equal(replay.headers.get("x-idempotent-replay"), "true");
      assert.deepEqual(await lines(replay), [line]);
    }
  });

  it("refuses what the reference refuses, with its texts", async () => {
    let r = await post(dummyEcho("x"));
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: "requestId is required" });
    r = await post([1, 2, 3, 4].map((n) => dummyEcho(`m${n}`)), { "x-request-id": newId() });
    assert.equal(r.status, 413);
    assert.deepEqual(await r.json(), { error: "payload limit exceeded (max 3)" });
    r = await post("{not json", { "x-request-id": newId() });
    assert.equal(r.status, 400);
    assert.equal(typeof (await r.json()).error, "string", "JSON, without a stack trace");
    r = await post(JSON.stringify("nope"), { "x-request-id": newId() });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error, /request body must be a payload object/);
    r = await post([], { "x-request-id": newId() });
    assert.deepEqual(await r.json(), { error: "request body must be a payload object or array of payloads" });
    r = await post(dummyEcho("x".repeat(4096)), { "x-request-id": newId() });
    assert.equal(r.status, 413);
    r = await post(dummyEcho("x"), { "x-request-id": "x".repeat(129) });
    assert.deepEqual(await r.json(), { error: "requestId must be at most 128 characters" });
    r = await post(dummyEcho("x"), { "x-request-id": "bad id!" });
    assert.deepEqual(await r.json(), { error: "requestId contains invalid characters" });
    r = await fetch(`${server.host.url}/sockethub-http/never-sent`);
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { error: "request not found", requestId: "never-sent" });
    r = await fetch(`${server.host.url}/sockethub-http`, { method: "POST", headers: { "x-request-id": newId(), "content-type": "text/plain" }, body: "{}" });
    assert.equal(r.status, 400);
  });

  it("answers payloads that are not activities with server-error lines", async () => {
    const id = newId();
    const [noActor] = await lines(await post({ "@context": contextFor("dummy"), type: "echo" }, { "x-request-id": id }));
    assert.equal(typeof noActor.error, "string");
    const three = await lines(await post([null, 42, "nope"], { "x-request-id": newId() }));
    assert.equal(three.length, 3);
    for (const line of three) {
      assert.deepEqual(line, { type: "error", "@context": contextFor("error"), actor: { type: "Application", name: "sockethub-server" },
        error: "unsupported payload type", requestId: line.requestId });
    }
  });

  it("runs a batch and takes the request id from the body", async () => {
    const id = newId();
    const response = await post({ requestId: id, messages: ["one", "two", "three"].map(dummyEcho) });
    assert.equal(response.headers.get("x-request-id"), id);
    const got = await lines(response);
    assert.deepEqual(got.map((l) => l.object.content).sort(), ["one", "three", "two"]);
  });

  it("acks credentials first, without their secret, then runs the messages that need them", async () => {
    const creds = { "@context": contextFor("dummy"), type: "credentials", actor: { id: "carl", type: "person" },
      object: { type: "credentials", secret: "s3cret" } };
    const noActor = { "@context": contextFor("dummy"), type: "credentials", actor: { type: "person" }, object: { type: "credentials" } };
    const got = await lines(await post([dummyEcho("after"), creds, noActor], { "x-request-id": newId() }));
    assert.deepEqual(got[0], { "@context": contextFor("sockethub:internal"), type: "credentials-ack", actor: { id: "carl", type: "person" } });
    assert.equal(got[1].type, "error");
    assert.equal(got[1].error, "[dummy] /actor: must have required property 'id'");
    assert.equal(got[2].object.content, "after");
    assert.ok(!JSON.stringify(got).includes("s3cret"));
  });

  it("acks credentials with actor type person whatever the request's actor type, as the reference does", async () => {
    const creds = { "@context": contextFor("dummy"), type: "credentials", actor: { id: "svc", type: "service" },
      object: { type: "credentials", secret: "s3cret" } };
    const got = await lines(await post([creds], { "x-request-id": newId() }));
    assert.deepEqual(got[0], { "@context": contextFor("sockethub:internal"), type: "credentials-ack", actor: { id: "svc", type: "person" } });
  });

  it("runs a persistent platform's credentials, connect and send in order, in a session of the request's own", async () => {
    const got = await lines(await post([chatCreds("hal", { password: "pw" }), verb("connect", "hal"), say("hal", "over http")],
      { "x-request-id": newId() }));
    assert.equal(got.length, 3, JSON.stringify(got));
    assert.equal(got[0].type, "credentials-ack");
    assert.equal(got[1].type, "connect");
    assert.equal(got[1].error, undefined, JSON.stringify(got[1]));
    assert.equal(got[2].object.content, "over http");
    assert.equal(got[2].error, undefined, JSON.stringify(got[2]));
    // the request's session ended, its instance lives on for the janitor's grace: a later request
    // from the same address reclaims it, as a refreshed page does (spec §3.5)
    const [again] = await lines(await post([say("hal", "second request")], { "x-request-id": newId() }));
    assert.equal(again.error, undefined, JSON.stringify(again));
    assert.equal(again.object.content, "second request");
  });

  it("ends a stream that goes quiet, and one that takes too long, with a line that says so", async () => {
    const hang = { ...dummyEcho("zzz"), type: "hang" };
    const idle = await lines(await post([dummyEcho("first"), hang], { "x-request-id": newId() }));
    assert.equal(idle[0].object.content, "first");
    assert.equal(idle[1].error, "request idle timeout");
    const started = Date.now();
    const whole = await lines(await post(hang, { "x-request-id": newId() }));
    assert.equal(whole[0].error, "request idle timeout", "2 s idle comes before the 4 s total");
    assert.ok(Date.now() - started < 3500);
  });

  it("answers a preflight and cross-origin posts for any origin by default", async () => {
    const pre = await fetch(`${server.host.url}/sockethub-http`, { method: "OPTIONS", headers: {
      origin: "http://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-request-id" } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
    assert.match(pre.headers.get("access-control-allow-headers").toLowerCase(), /content-type/);
    assert.match(pre.headers.get("access-control-allow-headers").toLowerCase(), /x-request-id/);
    const r = await post(dummyEcho("x"), { origin: "http://app.example", "x-request-id": newId() });
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.match(r.headers.get("access-control-expose-headers").toLowerCase(), /x-request-id/);
  });
});

describe("HTTP actions, operator settings", () => {
  let host;
  before(async () => {
    host = await startHost({ redisUrl: server.redis.url, config: {
      httpActions: { enabled: true, requireRequestId: false, token: "t0ken", requestTimeoutMs: 1500, idleTimeoutMs: 5000 },
      rateLimiter: { windowMs: 60_000, maxRequests: 6 },
      sockethub: { trustProxy: "loopback", cors: { origin: "https://app.example" } },
    } });
    await warm(host);
  });
  after(async () => host?.stop());

  it("requires the bearer token when one is set, generates ids, times a request out, and limits by forwarded address", async () => {
    const as = (ip, extra = {}) => ({ "x-forwarded-for": ip, ...extra });
    let r = await post(dummyEcho("x"), as("203.0.113.7"), host);
    assert.equal(r.status, 401);
    assert.deepEqual(await r.json(), { error: "unauthorized" });
    r = await post(dummyEcho("x"), as("203.0.113.7", { authorization: "Bearer wrong" }), host);
    assert.equal(r.status, 401);
    r = await post(dummyEcho("ok"), as("203.0.113.7", { authorization: "Bearer t0ken", origin: "https://app.example" }), host);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("x-request-id"), /^[A-Za-z0-9._:-]+$/);
    assert.equal(r.headers.get("access-control-allow-origin"), "https://app.example");
    assert.equal((await lines(r))[0].object.content, "ok");
    const slow = await lines(await post({ ...dummyEcho("zzz"), type: "hang" }, as("203.0.113.7", { authorization: "Bearer t0ken" }), host));
    assert.equal(slow[0].error, "request timeout");
    const other = await post(dummyEcho("x"), as("198.51.100.1", { origin: "https://evil.example" }), host);
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    // 6 per window and address: the first address has used 4, a fifth and sixth pass, the seventh is refused
    for (let i = 0; i < 2; i++) assert.notEqual((await post(dummyEcho("x"), as("203.0.113.7"), host)).status, 429);
    r = await post(dummyEcho("x"), as("203.0.113.7", { authorization: "Bearer t0ken" }), host);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("ratelimit-remaining"), "0");
    assert.notEqual((await post(dummyEcho("x"), as("198.51.100.2"), host)).status, 429, "another address has its own count");
  });
});

describe("HTTP actions that wait", () => {
  let host;
  const waits = 100; // more than Jetty's pool has threads on any machine this runs on
  before(async () => {
    host = await startHost({ redisUrl: server.redis.url, config: {
      httpActions: { enabled: true, requireRequestId: false, requestTimeoutMs: 6000, idleTimeoutMs: 6000 },
      rateLimiter: { windowMs: 1000, maxRequests: 1000, maxConnectionsPerIp: 1000 },
    } });
    await warm(host);
  });
  after(async () => host?.stop());

  it("hold none of the threads that serve sockets and /health", async () => {
    const waiting = Array.from({ length: waits }, () => post({ ...dummyEcho("zzz"), type: "hang" }, {}, host).then(lines)
      .catch((e) => [{ error: String(e) }]));
    const connections = async () => Number((await (await fetch(`${host.url}/metrics`)).text())
      .match(/^sockethub_connections (\d+)/m)?.[1] ?? 0);
    const deadline = Date.now() + 5000;
    while (await connections() < waits) {
      assert.ok(Date.now() < deadline, "every request is in and waiting within 5 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    const socket = await connect(host.url, ["websocket"]);
    // dummy's worker runs as many jobs at once as it has slots, and the hangs hold them: the
    // socket's work here is the host's own (upgrade, frame, credentials stored, ack)
    const ack = await request(socket, "credentials", { "@context": contextFor("dummy"), type: "credentials",
      actor: { id: "waiter@dummy", type: "person" }, object: { type: "credentials", secret: "s" } }, 2000);
    assert.equal(ack?.error, undefined);
    socket.close();
    const health = await fetch(`${host.url}/health`, { signal: AbortSignal.timeout(2000) });
    assert.equal(health.status, 200);
    for (const answered of await Promise.all(waiting)) {
      assert.match(answered[0].error, /^request (idle )?timeout$/);
    }
  });
});
