// A stock Apache Karaf for the end-to-end tests: a fresh copy of the distribution the build
// unpacked (KARAF_DIST), with free loopback ports, Maven resolution offline from the build's own
// local repository, the given features installed at boot (featuresBoot, as feature:install would),
// and the gateway's settings in its ConfigAdmin file etc/org.sockethub.gateway.cfg. Started with
// `bin/karaf server` in a process group of its own, stopped with SIGTERM to that group.
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, freePort } from "./harness.mjs";

export const KARAF_DIST = process.env.KARAF_DIST ?? join(ROOT, "e2e/target/karaf/apache-karaf-4.4.10");
export const MAVEN_REPO = process.env.MAVEN_REPO_LOCAL ?? join(homedir(), ".m2/repository");
export const FEATURES_URL = process.env.SOCKETHUB_FEATURES ?? "mvn:org.sockethub/sockethub-features/1.0.0-SNAPSHOT/xml/features";
export const WORKER_HOME = process.env.SOCKETHUB_HOME ?? join(ROOT, "host/launcher/target/sockethub");

/** A .properties/.cfg value with continuation lines joined, or undefined. */
function readProperty(text, key) {
  const m = text.match(new RegExp(`^${key.replace(/\./g, "\\.")}\\s*=((?:[^\\n]*\\\\\\n)*[^\\n]*)`, "m"));
  return m ? m[1].replace(/\\\n\s*/g, "").trim() : undefined;
}

/** Sets a key in a .properties/.cfg file: its old (possibly multi-line) definition goes, `key = value` is appended. */
export function setProperty(file, key, value) {
  let text = readFileSync(file, "utf8");
  text = text.replace(new RegExp(`^${key.replace(/\./g, "\\.")}\\s*=(?:[^\\n]*\\\\\\n)*[^\\n]*\\n?`, "m"), "");
  const escaped = String(value).replace(/\\/g, "\\\\");
  writeFileSync(file, `${text.replace(/\n*$/, "\n")}${key} = ${escaped}\n`);
}

/**
 * @param {object} o
 * @param {string[]} o.features features to install at boot, from FEATURES_URL
 * @param {Record<string,string>} o.systemProperties added to etc/system.properties
 * @param {Record<string,Record<string,string>>} o.configs ConfigAdmin configurations by pid, written as etc/<pid>.cfg
 */
export async function startKaraf({ features, systemProperties = {}, configs = {} }) {
  if (!existsSync(join(KARAF_DIST, "bin/karaf"))) throw new Error(`no Karaf distribution at ${KARAF_DIST} (the e2e build unpacks it)`);
  const dir = mkdtempSync(join(tmpdir(), "sockethub-karaf-"));
  const home = join(dir, "karaf");
  cpSync(KARAF_DIST, home, { recursive: true });
  // an unpacker may have dropped the scripts' executable bits
  for (const f of readdirSync(join(home, "bin"))) if (!f.endsWith(".bat")) chmodSync(join(home, "bin", f), 0o755);
  const etc = (name) => join(home, "etc", name);

  const sshPort = await freePort();
  setProperty(etc("org.apache.karaf.shell.cfg"), "sshPort", sshPort);
  // a console user for bin/client (Karaf 4.4 ships none)
  writeFileSync(etc("users.properties"), readFileSync(etc("users.properties"), "utf8")
    .replace("#karaf = karaf,_g_:admingroup", "karaf = karaf,_g_:admingroup")
    .replace("#_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh", "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh"));
  setProperty(etc("org.apache.karaf.shell.cfg"), "sshHost", "127.0.0.1");
  setProperty(etc("org.apache.karaf.management.cfg"), "rmiRegistryPort", await freePort());
  setProperty(etc("org.apache.karaf.management.cfg"), "rmiServerPort", await freePort());
  // resolve only from Karaf's system/ folder and the build's local repository: no network
  setProperty(etc("org.ops4j.pax.url.mvn.cfg"), "org.ops4j.pax.url.mvn.offline", "true");
  setProperty(etc("org.ops4j.pax.url.mvn.cfg"), "org.ops4j.pax.url.mvn.localRepository", MAVEN_REPO);
  setProperty(etc("org.ops4j.pax.url.mvn.cfg"), "org.ops4j.pax.url.mvn.repositories", "");
  const featuresCfg = etc("org.apache.karaf.features.cfg");
  const cfg = readFileSync(featuresCfg, "utf8");
  setProperty(featuresCfg, "featuresRepositories", `${readProperty(cfg, "featuresRepositories")}, ${FEATURES_URL}`);
  setProperty(featuresCfg, "featuresBoot", `${readProperty(cfg, "featuresBoot")}, (${features.join(", ")})`);
  for (const [key, value] of Object.entries(systemProperties)) setProperty(etc("system.properties"), key, value);
  for (const [pid, properties] of Object.entries(configs)) {
    writeFileSync(etc(`${pid}.cfg`), Object.entries(properties).map(([k, v]) => `${k} = ${v}\n`).join(""));
  }

  const child = spawn(join(home, "bin/karaf"), ["server"], {
    cwd: home, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KARAF_OPTS: "" },
  });
  let output = "";
  child.stdout.on("data", (c) => { output += c; });
  child.stderr.on("data", (c) => { output += c; });
  const exited = new Promise((ok) => child.once("exit", ok));
  return {
    home, pid: child.pid,
    /** Karaf's console output and its log file (data/log/karaf.log). */
    log: () => output + (existsSync(join(home, "data/log/karaf.log")) ? readFileSync(join(home, "data/log/karaf.log"), "utf8") : ""),
    running: () => child.exitCode === null && child.signalCode === null,
    /** Runs console commands through bin/client (batch mode, over ssh on loopback); resolves with the output. */
    client: (commands) => new Promise((ok, fail) => {
      const c = spawn(join(home, "bin/client"), ["-a", String(sshPort), "-h", "127.0.0.1", "-u", "karaf", "-p", "karaf", "-b"],
        { cwd: home, stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      c.stdout.on("data", (d) => { out += d; });
      c.stderr.on("data", (d) => { out += d; });
      const timer = setTimeout(() => { c.kill("SIGKILL"); fail(new Error(`bin/client timed out: ${out}`)); }, 60_000);
      c.on("exit", () => { clearTimeout(timer); ok(out); });
      c.stdin.end(commands.join("\n") + "\n");
    }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ } }, 30_000);
        await exited;
        // bin/karaf is a shell script: wait for its java (and the workers it forked) to be gone too
        const alive = () => { try { process.kill(-child.pid, 0); return true; } catch { return false; } };
        while (alive()) await new Promise((r) => setTimeout(r, 100));
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
