// Optional Sentry reporting through the official Java SDK (issue 7): a loopback HTTP server
// stands in for Sentry and records the envelopes the host and its workers send.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFile } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { JAVA, LAUNCHER, connect, echo, request, serverForTests, waitFor } from "../lib/harness.mjs";

const envelopes = [];
const sentry = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
    envelopes.push({ path: req.url, text: body.toString("utf8") });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
await new Promise((ok) => sentry.listen(0, "127.0.0.1", ok));
const dsn = `http://0123456789abcdef0123456789abcdef@127.0.0.1:${sentry.address().port}/1`;
const server = serverForTests({ config: { sentry: { dsn, environment: "e2e" } } });
before(async () => {
  await server.ready;
});
after(() => sentry.close());

/** The events received so far, each as its JSON item. */
const events = () => envelopes.flatMap((e) => e.text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)))
  .filter((item) => item.event_id && (item.exception || item.message));

describe("Sentry reporting", () => {
  it("reports a worker's fatal error from the worker, and its death from the host", async () => {
    const socket = await connect(server.host.url, ["websocket"]);
    try {
      await request(socket, "message", echo("warm"), 60_000);
      const answer = await request(socket, "message", { ...echo("x"), type: "throwTypeError" }, 30_000);
      assert.equal(answer.error, "TypeError: dummy type error");
      const fromWorker = await waitFor(() => events().find((e) => e.tags?.role === "worker"
        && JSON.stringify(e.exception ?? {}).includes("dummy type error")), 20_000, "the worker's event");
      // dummy shares its worker with the other bundled platforms (workers.groups): the event names them all
      assert.equal(fromWorker.tags.worker, "dummy+feeds+metadata+irc+xmpp");
      assert.equal(fromWorker.tags.platform, "dummy+feeds+metadata+irc+xmpp");
      assert.equal(fromWorker.environment, "e2e");
      const fromHost = await waitFor(() => events().find((e) => e.tags?.role === "host"
        && /worker for dummy died: TypeError: dummy type error/.test(e.message?.formatted ?? e.message?.message ?? "")), 20_000, "the host's event");
      assert.equal(fromHost.tags.platform, "dummy");
      assert.match(fromHost.release, /^sockethub@/);
      assert.ok(envelopes.every((e) => e.path === "/api/1/envelope/"), envelopes.map((e) => e.path).join());
    } finally {
      socket.close();
    }
  });

  it("--sentry-test sends a test event, and fails without a DSN", async () => {
    // asynchronously: the stand-in for Sentry answers from this process
    const launch = (args, env = process.env) => new Promise((ok) => execFile(JAVA, ["-jar", LAUNCHER, ...args],
      { encoding: "utf8", timeout: 60_000, env }, (error, stdout, stderr) => ok({ status: error ? error.code : 0, stdout, stderr })));
    const sent = await launch(["--sentry-test", "--sentry.dsn", dsn]);
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, /sent a test event to Sentry/);
    assert.ok(events().some((e) => (e.message?.formatted ?? e.message?.message) === "sockethub sentry test event"), JSON.stringify(envelopes.map((e) => e.text.slice(0, 300))));
    const none = await launch(["--sentry-test"], { ...process.env, SENTRY_DSN: "" });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /needs a Sentry DSN/);
  });
});
