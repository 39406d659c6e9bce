// Apache Karaf (design §10, issue 7): a stock Karaf 4.4.10 installs the gateway and the platform
// features from the project's features repository (offline, from the build's local Maven
// repository), and a socket.io-client gets answers through it; the workers are forked from the
// launcher distribution named by sockethub.worker.home.
//
// Another platform is a row in PLATFORMS: its feature and a check run through a connected socket.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, contextFor, echo, freePort, request, startRedis, waitFor } from "../lib/harness.mjs";
import { startFixtures } from "../lib/http-fixtures.mjs";
import { WORKER_HOME, startKaraf } from "../lib/karaf.mjs";

let fixtures;

const PLATFORMS = [
  {
    id: "dummy", feature: "sockethub-dummy",
    check: async (socket) => {
      const answer = await request(socket, "message", echo("hello from karaf"), 60_000);
      assert.equal(answer.error, undefined, JSON.stringify(answer));
      assert.deepEqual(answer.object, { type: "message", content: "hello from karaf" });
      assert.deepEqual(answer.actor, { id: "dummy", type: "platform" });
    },
  },
  {
    id: "feeds", feature: "sockethub-feeds",
    check: async (socket) => {
      const url = `${fixtures.base}/feeds/sockethub-news.xml`;
      const answer = await request(socket, "message", { "@context": contextFor("feeds"), type: "fetch",
        actor: { id: url, type: "feed" } }, 60_000);
      assert.equal(answer.error, undefined, JSON.stringify(answer));
      assert.equal(answer.type, "collection");
      assert.ok(answer.totalItems > 0);
      assert.equal(answer.items[0].type, "post");
    },
  },
];

let redis;
let karaf;
let url;
before(async () => {
  redis = await startRedis();
  fixtures = await startFixtures();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  karaf = await startKaraf({
    features: ["sockethub-gateway", ...PLATFORMS.map((p) => p.feature)],
    systemProperties: { "sockethub.worker.home": WORKER_HOME },
    configs: {
      // as an operator writes it: etc/org.sockethub.gateway.cfg, read through ConfigAdmin
      "org.sockethub.gateway": {
        "sockethub.host": "127.0.0.1", "sockethub.port": port, "redis.url": redis.url,
        "packageConfig.feeds.allowPrivateAddresses": "true", // the fixtures are on 127.0.0.1
      },
    },
  });
});
after(async () => {
  await karaf?.stop();
  await fixtures?.stop();
  await redis?.stop();
});

describe("Karaf 4.4.10 with the sockethub features", () => {
  let socket;
  after(() => socket?.close());

  it("boots, installs the gateway and the platform features, and serves the registry", async () => {
    const started = Date.now();
    const registry = await waitFor(async () => {
      if (!karaf.running()) throw new Error(`Karaf exited\n${karaf.log()}`);
      try {
        socket ??= await connect(url, ["websocket"]);
      } catch {
        return null;
      }
      const r = await request(socket, "schemas", undefined);
      return PLATFORMS.every((p) => r.platforms.some((q) => q.id === p.id)) ? r : null;
    }, 180_000, "the gateway in Karaf with every platform").catch((e) => { throw new Error(`${e.message}\n${karaf.log().slice(-8000)}`); });
    console.log(`# Karaf served the registry ${Date.now() - started} ms after start`);
    assert.deepEqual(registry.platforms.map((p) => p.id).sort(), PLATFORMS.map((p) => p.id).sort());
  });

  for (const platform of PLATFORMS) {
    it(`answers ${platform.id} through a worker forked from sockethub.worker.home`, async () => {
      await platform.check(socket);
    });
  }

  it("offers the sockethub:* console commands in Karaf's shell", async () => {
    const out = await karaf.client(["sockethub:platforms", "sockethub:workers", "sockethub:sessions"]);
    assert.match(out, /PLATFORM\s+VERSION\s+BUNDLE\s+FILE\s+WORKER\s+INSTANCES/, out);
    for (const platform of PLATFORMS) assert.match(out, new RegExp(`(?:^|[\\r\\n])${platform.id}\\s+\\S+\\s+org\\.sockethub\\.platform\\.${platform.id}.*up pid \\d+`), out);
    assert.match(out, /WORKER\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+JOBS/, out);
    assert.match(out, new RegExp(`${socket.id}\\s+socket\\s+127\\.0\\.0\\.1`), out);
  });

  it("restarts the gateway with a changed etc/org.sockethub.gateway.cfg", async () => {
    const port = await freePort();
    const cfg = join(karaf.home, "etc/org.sockethub.gateway.cfg");
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace(/^sockethub\.port = .*$/m, `sockethub.port = ${port}`));
    const moved = `http://127.0.0.1:${port}`;
    const again = await waitFor(async () => {
      try {
        return await connect(moved, ["websocket"]);
      } catch {
        return null;
      }
    }, 60_000, `the gateway listening on ${moved}`);
    try {
      const answer = await request(again, "message", echo("after the change"), 60_000);
      assert.equal(answer.object?.content, "after the change", JSON.stringify(answer));
    } finally {
      again.close();
    }
  });
});
