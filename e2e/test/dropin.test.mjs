// The drop-in lifecycle (design §5, issue 7): a platform JAR written into a running server's
// deploy/ folder becomes a platform without a restart; replacing the JAR drains the old worker
// (its running jobs are answered by the old code) and puts the new code in its place; removing it stops the platform; a bad JAR is refused with a log line
// saying why while everything else keeps working. Each step is asserted as a connected
// socket.io-client sees it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DROPTEST, connect, contextFor, echo, next, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { drop, jarVariant } from "../lib/jars.mjs";

const server = serverForTests({ config: { jobs: { timeoutMs: 20_000 }, workers: { drainTimeoutMs: 6000 } } });
const work = mkdtempSync(join(tmpdir(), "sockethub-dropin-"));
const sockets = [];
let deploy;
before(async () => {
  await server.ready;
  deploy = server.host.deployDir;
});
after(() => {
  sockets.forEach((s) => s.close());
  rmSync(work, { recursive: true, force: true });
});

async function client() {
  const socket = await connect(server.host.url, ["websocket"]);
  sockets.push(socket);
  return socket;
}

const say = (verb, content) => ({
  type: verb, "@context": contextFor("droptest"), actor: { id: "operator", type: "person" },
  object: { type: "message", content },
});
const registry = (socket) => request(socket, "schemas", undefined);
const droptestIn = (r) => r.platforms.find((p) => p.id === "droptest");
/** Polls `schemas` until `check(registry)` holds; resolves with that registry and how long it took. */
async function registryWhen(socket, check, what) {
  const started = Date.now();
  const r = await waitFor(async () => { const r = await registry(socket); return check(r) ? r : null; }, 15_000, what);
  return { registry: r, ms: Date.now() - started };
}
const fatalNotice = (error) => ({
  "@context": contextFor("droptest"), type: "error", actor: { id: "droptest", type: "service" }, error,
});

describe("a platform JAR in deploy/", () => {
  it("dropped while a client is connected: a live platform within about a second, with a new fingerprint", async () => {
    const socket = await client();
    const before = await registry(socket);
    assert.equal(droptestIn(before), undefined);
    drop(DROPTEST, deploy, "droptest.jar");
    const { registry: after, ms } = await registryWhen(socket, droptestIn, "droptest in schemas");
    console.log(`# droptest registered ${ms} ms after the drop`);
    assert.ok(ms < 3000, `registered after ${ms} ms`);
    assert.notEqual(after.fingerprint, before.fingerprint);
    assert.equal(droptestIn(after).version, "1.0.0-SNAPSHOT");
    assert.deepEqual(droptestIn(after).types, ["echo", "hang", "slow"]);
    assert.equal((await request(socket, "message", say("echo", "hi"), 30_000)).object.content, "build one: hi");
  });

  it("replaced by another build: the old worker finishes its running jobs, then the new code answers", async () => {
    const socket = await client();
    const notices = [];
    socket.on("message", (m) => { if (m.type === "error") notices.push(m); });
    assert.equal((await request(socket, "message", say("echo", "old"), 30_000)).object.content, "build one: old");
    const old = await registry(socket);
    const slow = request(socket, "message", say("slow", "in flight"), 30_000);
    const hanging = request(socket, "message", say("hang", "never"), 30_000);
    await new Promise((r) => setTimeout(r, 500)); // both taken by the old worker
    // a steady stream of jobs across the replacement: none is refused or lost, whichever code runs it
    const during = [];
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending; i++) {
        during.push(request(socket, "message", say("echo", `during ${i}`), 30_000).then((a) => [i, a]));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const replacedAt = Date.now();
    drop(jarVariant(DROPTEST, join(work, "v2.jar"), {
      manifest: { "Bundle-Version": "2.0.0" }, files: { "droptest-build.txt": "two\n" },
    }), deploy, "droptest.jar");
    const { registry: now } = await registryWhen(socket, (r) => droptestIn(r)?.version === "2.0.0", "droptest 2.0.0");
    await new Promise((r) => setTimeout(r, 500));
    sending = false;
    await traffic;
    for (const [i, answer] of await Promise.all(during)) {
      assert.equal(answer.error, undefined, JSON.stringify(answer));
      assert.match(answer.object.content, new RegExp(`^build (one|two): during ${i}$`));
    }
    console.log(`# ${during.length} jobs sent across the replacement, each answered once without an error`);
    assert.notEqual(now.fingerprint, old.fingerprint);
    assert.equal((await request(socket, "message", say("echo", "new"), 30_000)).object.content, "build two: new");
    const slowAnswer = await slow;
    if (slowAnswer.object?.content !== "build one: in flight") console.log(slowAnswer.error, server.host.log().split("\n").filter((l) => /droptest|drain|left/.test(l)).join("\n"));
    assert.equal(slowAnswer.object.content, "build one: in flight", "a running job is answered by the old code");
    const cut = await hanging;
    console.log(`# a job that never finishes was answered ${Date.now() - replacedAt} ms after the replacement`);
    assert.equal(cut.error, "Error: platform droptest was replaced", "what is still running after workers.drainTimeoutMs");
    assert.deepEqual(notices, [], "a stateless platform's sessions lose nothing: no type:error message");
  });

  it("removed: its sessions get the type:error message and the platform is gone", async () => {
    const socket = await client();
    assert.equal((await request(socket, "message", say("echo", "last"), 30_000)).object.content, "build two: last");
    const notice = next(socket, "message", (m) => m.type === "error", 15_000);
    const old = await registry(socket);
    rmSync(join(deploy, "droptest.jar"));
    assert.deepEqual(await notice, fatalNotice("Error: platform droptest was removed"));
    const { registry: now } = await registryWhen(socket, (r) => !droptestIn(r), "droptest gone");
    assert.notEqual(now.fingerprint, old.fingerprint);
    assert.equal((await request(socket, "message", say("echo", "anyone?"))).error, "platform context URL not registered "
      + "with this Sockethub instance. Unregistered platform @context value: https://sockethub.org/ns/context/platform/droptest/v1.jsonld");
    assert.equal((await request(socket, "message", echo("dummy still here"), 30_000)).object.content, "dummy still here");
  });
});

describe("several JARs of one platform in deploy/", () => {
  it("runs the highest version, logs the others as inactive, and falls back to the next when it is removed", async () => {
    const socket = await client();
    const variant = (version, build) => jarVariant(DROPTEST, join(work, `droptest-${version}.jar`), {
      manifest: { "Bundle-Version": version }, files: { "droptest-build.txt": `${build}\n` },
    });
    const log = () => server.host.log();
    const mark = log().length;
    drop(variant("1.0.0", "one"), deploy, "droptest-1.0.0.jar");
    await registryWhen(socket, (r) => droptestIn(r)?.version === "1.0.0", "droptest 1.0.0");
    // a version bump written beside the old file: the new one runs
    drop(variant("1.1.0", "two"), deploy, "droptest-1.1.0.jar");
    await registryWhen(socket, (r) => droptestIn(r)?.version === "1.1.0", "droptest 1.1.0");
    assert.equal((await request(socket, "message", say("echo", "bumped"), 30_000)).object.content, "build two: bumped");
    await waitFor(() => log().slice(mark).includes("platform droptest: droptest-1.1.0.jar (1.1.0) takes over; droptest-1.0.0.jar (1.0.0) is inactive"),
      10_000, "the takeover's log line");
    // an older file added later does not take over
    drop(variant("0.9.0", "zero"), deploy, "droptest-0.9.0.jar");
    await waitFor(() => log().slice(mark).includes("platform droptest: droptest-0.9.0.jar (0.9.0) is inactive: droptest-1.1.0.jar (1.1.0) runs"),
      10_000, "the inactive file's log line");
    assert.equal(droptestIn(await registry(socket)).version, "1.1.0");
    // the running file removed: the next highest still in the folder runs
    rmSync(join(deploy, "droptest-1.1.0.jar"));
    await registryWhen(socket, (r) => droptestIn(r)?.version === "1.0.0", "droptest back at 1.0.0");
    assert.match(log().slice(mark), /platform droptest: droptest-1\.1\.0\.jar removed; falling back to droptest-1\.0\.0\.jar \(1\.0\.0\)/);
    assert.equal((await request(socket, "message", say("echo", "fallen back"), 30_000)).object.content, "build one: fallen back");
    // the rest removed: gone
    rmSync(join(deploy, "droptest-1.0.0.jar"));
    await registryWhen(socket, (r) => droptestIn(r)?.version === "0.9.0", "droptest at 0.9.0");
    rmSync(join(deploy, "droptest-0.9.0.jar"));
    await registryWhen(socket, (r) => !droptestIn(r), "droptest gone");
  });
});

describe("a bad JAR in deploy/", () => {
  const cases = [
    ["without its messages schema", { remove: ["schemas/messages.json"] },
      /DropTestPlatform.*Error during instantiation[\s\S]*platform droptest: missing schema resource schemas\/messages\.json/],
    ["whose schema names a verb it has no method for", {
      files: { "schemas/messages.json": JSON.stringify({ required: ["type"], properties: { type: { enum: ["echo", "hang", "slow", "shout"] } } }) },
    }, /ERROR GatewayComponent - platform droptest refused: schema verbs without a @Verb method: shout \(bundle org\.sockethub\.platform\.bad1\)/],
    ["whose manifest imports a package nobody exports", {
      manifest: { "Import-Package": "org.example.missing,com.fasterxml.jackson.databind;version=\"[2.22,3)\",com.fasterxml.jackson.databind.node;version=\"[2.22,3)\",org.sockethub.api;version=\"[1.0,2)\"" },
    }, /Error while starting bundle: file:\S+\/bad2\.jar: org\.osgi\.framework\.BundleException: Unable to resolve org\.sockethub\.platform\.bad2 .*missing requirement .*osgi\.wiring\.package=org\.example\.missing/],
    ["whose manifest is malformed", { manifest: { "Bundle-Version": "one.two" } },
      /Failed to install artifact: \S+\/bad3\.jar: java\.lang\.IllegalArgumentException: invalid version "one\.two"/],
  ];
  cases.forEach(([what, change, logLine], i) => {
    it(`${what}: refused with a log line saying why, the rest keeps working`, async () => {
      const socket = await client();
      const before = await registry(socket);
      const mark = server.host.log().length;
      const name = `bad${i}.jar`;
      drop(jarVariant(DROPTEST, join(work, name), { ...change, manifest: { "Bundle-SymbolicName": `org.sockethub.platform.bad${i}`, ...change.manifest } }), deploy, name);
      await waitFor(() => logLine.test(server.host.log().slice(mark)), 10_000, `a log line matching ${logLine}`);
      await new Promise((r) => setTimeout(r, 300));
      const now = await registry(socket);
      assert.equal(now.fingerprint, before.fingerprint);
      assert.equal(droptestIn(now), undefined);
      assert.equal((await request(socket, "message", echo("still fine"), 30_000)).object.content, "still fine");
      rmSync(join(deploy, name));
    });
  });
});
