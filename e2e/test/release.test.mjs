// The release archive (issue 17): dist/target/sockethub-<version>.tar.gz, unpacked into a temporary
// folder, runs from there on a Java alone: the PATH holds java and the few tools bin/sockethub calls,
// nothing else (no Maven, no redis-server, no source tree), with its embedded Redis. A client echoes,
// a platform JAR dropped into the release's deploy/ is answered, SIGTERM stops it, and nothing was
// written outside the unpacked folder: the process's HOME, TMPDIR and working directory stay empty,
// /tmp has no new entry, and what it wrote is in its own tmp/, cds/ and deploy/.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DROPTEST, ROOT, connect, contextFor, echo, freePort, request, waitFor } from "../lib/harness.mjs";
import { drop } from "../lib/jars.mjs";

const RELEASE = process.env.SOCKETHUB_RELEASE ?? join(ROOT, "dist/target/sockethub-1.0.0-SNAPSHOT.tar.gz");
const work = mkdtempSync(join(tmpdir(), "sockethub-release-"));
const sockets = [];
after(() => {
  sockets.forEach((s) => s.close());
  rmSync(work, { recursive: true, force: true });
});

/** Every file and folder under `dir`, relative to it. */
function tree(dir) {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

/** A folder holding java and the tools bin/sockethub runs (and uname, which the embedded Redis asks), as links: the whole PATH of the release's run. */
function minimalPath() {
  const bin = join(work, "path");
  mkdirSync(bin);
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin/java")
    : execFileSync("bash", ["-c", "readlink -f \"$(command -v java)\""]).toString().trim();
  symlinkSync(java, join(bin, "java"));
  for (const tool of ["bash", "env", "dirname", "readlink", "stat", "cat", "mkdir", "rm", "uname"]) {
    symlinkSync(execFileSync("bash", ["-c", `command -v ${tool}`]).toString().trim(), join(bin, tool));
  }
  return bin;
}

function run(home, args, env, cwd) {
  const child = spawn(join(home, "bin/sockethub"), args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (c) => { log += c; });
  child.stderr.on("data", (c) => { log += c; });
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  return { child, log: () => log, exited };
}

describe("the release archive", () => {
  it("unpacked anywhere, runs on Java alone with its embedded Redis, takes a drop-in, stops, and writes only into its folder", async () => {
    assert.ok(existsSync(RELEASE), `${RELEASE} (built by mvn package in dist/)`);
    execFileSync("tar", ["xzf", RELEASE, "-C", work]);
    const [name] = readdirSync(work);
    const home = join(work, name);
    const shipped = tree(home);
    for (const path of ["bin/sockethub", "sockethub-launcher.jar", "sockethub.config.json", "LICENSE", "NOTICE", "THIRD-PARTY.txt",
      "lib", "bundles", "platforms", "worker-bundles", "deploy", "cds", "tmp"]) {
      assert.ok(shipped.includes(path), `${path} in the archive`);
    }
    assert.deepEqual(readdirSync(join(home, "deploy")), []);
    assert.deepEqual(readdirSync(join(home, "cds")), [], "no class-data-sharing archive: it would fit only the build's Java and folder");
    assert.deepEqual(readdirSync(join(home, "sdk")).map((f) => f.replace(/-\d.*$/, "")).sort(),
      ["sockethub-api", "sockethub-api-testkit", "sockethub-platform-archetype"]);
    assert.match(execFileSync("bash", ["-c", `grep -c "(" ${join(home, "THIRD-PARTY.txt")}`]).toString(), /^[1-9]\d+/);

    const env = { PATH: minimalPath(), HOME: join(work, "home"), TMPDIR: join(work, "tmpdir"), LANG: "C.UTF-8" };
    const cwd = join(work, "cwd");
    [env.HOME, env.TMPDIR, cwd].forEach((dir) => mkdirSync(dir));
    const tmpBefore = new Set(readdirSync("/tmp"));

    // run from elsewhere: the release's own config file and deploy/ are its defaults
    const info = execFileSync(join(home, "bin/sockethub"), ["--info"], { cwd, env }).toString();
    assert.match(info, new RegExp(`config: +${join(home, "sockethub.config.json")}`));
    assert.match(info, new RegExp(`deploy: +${join(home, "deploy")} \\[\\]`));

    /** Starts the release, echoes, calls `more(socket)`, stops it with SIGTERM; resolves with its log and ms to listening. */
    async function session(more = async () => {}) {
      const port = await freePort();
      const started = Date.now();
      const server = run(home, ["--port", String(port), "--redis.url", "embedded"], env, cwd);
      let listeningMs;
      try {
        await waitFor(() => /sockethub listening on ws:\/\/127\.0\.0\.1:\d+/.test(server.log()) || server.child.exitCode !== null,
          120_000, "listening");
        listeningMs = Date.now() - started;
        assert.equal(server.child.exitCode, null, server.log());
        assert.match(server.log(), /redis redis:\/\/127\.0\.0\.1:\d+ \(embedded, as configured\)/);
        const socket = await connect(`http://127.0.0.1:${port}`, ["websocket"]);
        sockets.push(socket);
        const answer = await request(socket, "message", echo("from the release"), 60_000);
        assert.equal(answer.object?.content, "from the release", JSON.stringify(answer));
        await more(socket);
        socket.close();
      } finally {
        server.child.kill("SIGTERM");
      }
      const { code, signal } = await server.exited;
      assert.ok(code === 0 || code === 143 || signal === "SIGTERM", `exit ${code} ${signal}\n${server.log().slice(-3000)}`);
      assert.doesNotMatch(server.log(), /WARN|ERROR/, "a clean start and stop");
      return { log: server.log(), listeningMs };
    }

    const first = await session(async (socket) => {
      drop(DROPTEST, join(home, "deploy"), "droptest.jar");
      await waitFor(async () => (await request(socket, "schemas", undefined)).platforms.some((p) => p.id === "droptest"),
        15_000, "droptest registered");
      const dropped = await request(socket, "message", {
        type: "echo", "@context": contextFor("droptest"), actor: { id: "operator", type: "person" },
        object: { type: "message", content: "dropped in" },
      }, 60_000);
      assert.equal(dropped.error, undefined, JSON.stringify(dropped));
    });
    assert.match(first.log, /no class-data-sharing archive for this Java/);

    // the operator's one-time step after unpacking: archives for this Java and this folder, then used
    execFileSync(join(home, "bin/sockethub"), ["--cds-training"], { cwd, env, stdio: "ignore", timeout: 300_000 });
    const archives = readdirSync(join(home, "cds"));
    assert.ok(archives.includes("host.jsa") && archives.some((a) => /^worker-.+\.jsa$/.test(a)), `cds/: ${archives}`);
    const second = await session();
    assert.doesNotMatch(second.log, /class-data-sharing/);
    assert.ok(readdirSync(join(home, "cds")).includes("fits"), "the archives were tried and fit");
    console.log(`# release: listening ${first.listeningMs} ms without class-data-sharing archives, ${second.listeningMs} ms with`);

    assert.deepEqual(readdirSync(env.HOME), [], "HOME untouched");
    assert.deepEqual(readdirSync(env.TMPDIR), [], "TMPDIR untouched");
    assert.deepEqual(readdirSync(cwd), [], "working directory untouched");
    assert.deepEqual(readdirSync("/tmp").filter((e) => !tmpBefore.has(e)), [], "no new entry in /tmp");
    const written = tree(home).filter((p) => !shipped.includes(p) && !p.startsWith("deploy/droptest"));
    const outside = written.filter((p) => !/^(tmp|cds|deploy)(\/|$)/.test(p));
    assert.deepEqual(outside, [], `written into the release outside tmp/, cds/ and deploy/: ${outside}`);
    console.log(`# the release wrote ${written.length} entries, all in tmp/, cds/ and deploy/; ${relative(work, home)} ran from ${cwd}`);
    assert.ok(statSync(join(home, "bin/sockethub")).mode & 0o100, "bin/sockethub is executable");
  });

  it("ships a systemd unit that systemd-analyze accepts for the unpacked folder", (t) => {
    const home = join(work, readdirSync(work).find((n) => n.startsWith("sockethub-")));
    const unit = readFileSync(join(home, "docs/sockethub.service"), "utf8");
    assert.match(unit, /ExecStart=\/opt\/sockethub\/bin\/sockethub/);
    assert.match(unit, /ReadWritePaths=\/opt\/sockethub\/deploy \/opt\/sockethub\/tmp \/opt\/sockethub\/cds/);
    let analyze;
    try {
      analyze = execFileSync("bash", ["-c", "command -v systemd-analyze"]).toString().trim();
    } catch {
      t.skip("systemd-analyze is not installed");
      return;
    }
    const dir = join(work, "unit");
    mkdirSync(dir);
    // the unit's paths pointed at the unpacked copy, and a user that exists here
    writeFileSync(join(dir, "sockethub.service"), unit.replaceAll("/opt/sockethub", home)
      .replace(/^User=.*$/m, "User=root").replace(/^Group=.*$/m, "Group=root"));
    const out = execFileSync(analyze, ["verify", join(dir, "sockethub.service")], { stdio: ["ignore", "pipe", "pipe"] }).toString();
    assert.doesNotMatch(out, /error|warning/i, out);
  });
});
