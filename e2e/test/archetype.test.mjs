// The platform author's walkthrough (docs/platform-authors.md, issue 7), executed: generate a
// project from sockethub-platform-archetype, build it, drop its JAR into a running server's
// deploy/ folder, and call the new verb through socket.io-client. Maven runs offline (-o): the
// build has already fetched everything and installed the archetype.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect, contextFor, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { drop } from "../lib/jars.mjs";

const run = promisify(execFile);
const MVN = process.env.MVN ?? "mvn";
const repo = process.env.MAVEN_REPO_LOCAL ? [`-Dmaven.repo.local=${process.env.MAVEN_REPO_LOCAL}`] : [];
const mvn = (cwd, ...args) => run(MVN, ["-B", "-q", "-o", ...repo, ...args], { cwd, maxBuffer: 16 << 20 })
  .catch((e) => { throw new Error(`mvn ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`); });

const server = serverForTests();
const work = mkdtempSync(join(tmpdir(), "sockethub-archetype-"));
let socket;
before(async () => {
  await server.ready;
  socket = await connect(server.host.url, ["websocket"]);
});
after(() => {
  socket?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a new platform from the archetype", () => {
  const project = join(work, "sockethub-platform-hello");

  it("is generated and built offline", async () => {
    const started = Date.now();
    await mvn(work, "org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate", "-DinteractiveMode=false",
      "-DarchetypeCatalog=local", "-DarchetypeGroupId=org.sockethub", "-DarchetypeArtifactId=sockethub-platform-archetype", "-DarchetypeVersion=1.0.0-SNAPSHOT",
      "-DgroupId=com.example", "-DartifactId=sockethub-platform-hello", "-Dversion=0.1.0", "-Dpackage=com.example.hello",
      "-DplatformId=hello", "-DclassName=Hello");
    await mvn(project, "package");
    console.log(`# generated and built in ${Date.now() - started} ms`);
  });

  it("dropped into deploy/, answers its new verb", async () => {
    drop(join(project, "target/sockethub-platform-hello-0.1.0.jar"), server.host.deployDir, "sockethub-platform-hello-0.1.0.jar");
    const registry = await waitFor(async () => {
      const r = await request(socket, "schemas", undefined);
      return r.platforms.some((p) => p.id === "hello") ? r : null;
    }, 15_000, "hello in schemas");
    const hello = registry.platforms.find((p) => p.id === "hello");
    assert.equal(hello.version, "0.1.0");
    assert.deepEqual(hello.types, ["credentials", "echo", "greet"]);
    const answer = await request(socket, "message", {
      "@context": contextFor("hello"), type: "greet",
      actor: { id: "newcomer", type: "person" }, object: { type: "message", content: "world" },
    }, 60_000);
    assert.deepEqual(answer, {
      "@context": contextFor("hello"), type: "greet",
      actor: { id: "hello", type: "platform" }, target: { id: "newcomer", type: "person" },
      object: { type: "message", content: "Hello world" },
    });
  });
});
