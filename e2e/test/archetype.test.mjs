// The platform author's walkthrough (docs/platform-authors.md, issues 7 and 17), executed as a
// reader would: the doc's own commands, read from the doc (its install step, its generate block, its
// build block), run verbatim by a shell against an empty local Maven repository, then its JAR
// dropped into a running server's deploy/ folder and its new verb called through socket.io-client.
// Maven sees a home of its own (MAVEN_OPTS=-Duser.home=…): an empty ~/.m2/repository, and a
// settings.xml whose mirror stands in for Maven Central with this machine's repository minus
// org.sockethub (loopback only, and what the doc's install step does not install is missing).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { exec } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { connect, contextFor, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { drop } from "../lib/jars.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DOC = readFileSync(join(ROOT, "docs/platform-authors.md"), "utf8");
/** The shell commands of the doc's ```sh blocks, continuation lines joined. */
const blocks = [...DOC.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].replace(/\\\n\s*/g, "").trim().split("\n"));
const INSTALL = /`(mvn -pl [^`]+ install[^`]*)`/.exec(DOC)?.[1];
const GENERATE = blocks.find((b) => b.some((c) => c.includes(":generate")));
const BUILD = blocks.find((b) => b.includes("mvn package"));

const work = mkdtempSync(join(tmpdir(), "sockethub-archetype-"));
const home = join(work, "home");
const central = join(work, "central");
const sh = promisify(exec);
const run = (command, cwd) => sh(command, {
  cwd, maxBuffer: 64 << 20, env: { ...process.env, MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ""} -Duser.home=${home}`.trim() },
}).catch((e) => { throw new Error(`${command} failed:\n${e.stdout.slice(-6000)}\n${e.stderr.slice(-3000)}`); });

/** Maven Central's stand-in: every group of this machine's repository but org.sockethub, linked. */
function standInForCentral() {
  const local = process.env.MAVEN_REPO_LOCAL ?? join(homedir(), ".m2/repository");
  mkdirSync(join(central, "org"), { recursive: true });
  for (const entry of readdirSync(local)) {
    if (entry !== "org") symlinkSync(join(local, entry), join(central, entry));
  }
  for (const entry of readdirSync(join(local, "org"))) {
    if (entry !== "sockethub") symlinkSync(join(local, "org", entry), join(central, "org", entry));
  }
  mkdirSync(join(home, ".m2/repository"), { recursive: true });
  writeFileSync(join(home, ".m2/settings.xml"), `<settings>
  <mirrors><mirror><id>central-stand-in</id><mirrorOf>*</mirrorOf><url>file://${central}</url></mirror></mirrors>
</settings>
`);
}

const server = serverForTests();
let socket;
before(async () => {
  await server.ready;
  socket = await connect(server.host.url, ["websocket"]);
  standInForCentral();
});
after(() => {
  socket?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a new platform from the archetype", () => {
  const project = join(work, "sockethub-platform-hello");

  it("is installed, generated and built with the doc's commands, on an empty local repository", async () => {
    assert.ok(INSTALL && GENERATE && BUILD, "the doc has an install step, a generate block and a build block");
    assert.ok(!existsSync(join(home, ".m2/repository/org/sockethub")), "nothing of ours in the empty repository");
    let started = Date.now();
    await run(INSTALL, ROOT); // from a checkout, as the doc says
    console.log(`# ${INSTALL}: ${Date.now() - started} ms`);
    started = Date.now();
    let cwd = work;
    for (const command of [...GENERATE, ...BUILD]) {
      const cd = /^cd (\S+)$/.exec(command);
      if (cd) cwd = join(cwd, cd[1]);
      else await run(command, cwd);
    }
    assert.equal(cwd, project, "the generate block ends in the new project");
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
