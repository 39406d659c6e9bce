// A Prosody XMPP server for one test file (Debian's prosody 0.12; see ../shared/notes/test-peers.md):
// loopback only, a free c2s port, config, data and log in a temp dir, users made with prosodyctl.
// Host "localhost", MUC "conference.localhost". With `tls`, STARTTLS is offered with a fresh
// self-signed certificate for localhost and required (so a login proves TLS was used), and a
// second port speaks TLS from the first byte (`tlsPort`, for xmpps://); without
// it, the "tls" module is not loaded and STARTTLS is not offered at all.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./harness.mjs";

/** A self-signed certificate for CN/SAN localhost: { dir, cert, key } (PEM files). */
export function makeCertificate(dir = mkdtempSync(join(tmpdir(), "xmpp-cert-"))) {
  const cert = join(dir, "localhost.crt");
  const key = join(dir, "localhost.key");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], { stdio: "ignore" });
  return { dir, cert, key };
}

function config(dir, port, certificate, tlsPort) {
  return `-- test Prosody, written by e2e/lib/xmpp-peer.mjs
run_as_root = true
pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
plugin_paths = { }
certificates = "${dir}/certs"
log = { { levels = { min = "info" }, to = "file", filename = "${dir}/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { ${port} }
c2s_direct_tls_ports = { ${tlsPort ?? ""} }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = {
  "roster"; "saslauth"; ${certificate ? '"tls";' : ""} "disco"; "ping"; "posix";
}
modules_disabled = { "s2s"; "dialback"; "limits"; "offline"; "register"; }
c2s_require_encryption = ${certificate ? "true" : "false"}
allow_unencrypted_plain_auth = ${certificate ? "false" : "true"}
s2s_require_encryption = false
authentication = "internal_hashed"
storage = "internal"
${certificate ? `ssl = { certificate = "${certificate.cert}"; key = "${certificate.key}"; }` : ""}
VirtualHost "localhost"
${certificate ? 'VirtualHost "other.localhost" -- served with the localhost certificate: a name mismatch' : ""}
Component "conference.localhost" "muc"
  restrict_room_creation = false
  muc_room_default_persistent = false
  muc_room_locking = false
  muc_tombstones = false
`;
}

function portOpen(port) {
  return new Promise((ok) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => { socket.destroy(); ok(true); });
    socket.once("error", () => ok(false));
  });
}

/**
 * Starts Prosody. `users`: { name: password } registered on host localhost before the start.
 * Returns { port, tlsPort (with a certificate), domain, dir, log(), register(name, pw), restart(), stop() }.
 */
export async function startProsody({ users = {}, certificate = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-peer-"));
  mkdirSync(join(dir, "data"));
  mkdirSync(join(dir, "certs"));
  const port = await freePort();
  const tlsPort = certificate ? await freePort() : undefined;
  const cfg = join(dir, "prosody.cfg.lua");
  writeFileSync(cfg, config(dir, port, certificate, tlsPort));
  const register = (name, password, host = "localhost") =>
    execFileSync("prosodyctl", ["--config", cfg, "register", name, host, password], { stdio: "ignore" });
  for (const [name, password] of Object.entries(users)) register(name, password);

  let child;
  const start = async () => {
    child = spawn("prosody", ["-F", "--config", cfg], { stdio: ["ignore", "ignore", "pipe"] });
    let exited = false;
    child.once("exit", () => { exited = true; });
    await waitFor(async () => exited || portOpen(port), 15_000, `prosody on port ${port}`);
    if (exited) throw new Error(`prosody exited at start; log:\n${log()}`);
  };
  const stopChild = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((ok) => child.once("exit", ok));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const log = () => { try { return readFileSync(join(dir, "prosody.log"), "utf8"); } catch { return ""; } };
  await start();
  return {
    port, tlsPort, domain: "localhost", dir, log, register,
    restart: async ({ downMs = 0 } = {}) => {
      await stopChild();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stopOnly: stopChild,
    start,
    stop: async () => { await stopChild(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * A bare-bones XMPP client for what the platform under test cannot send itself (e.g. chat
 * states): plain TCP, SASL PLAIN, bind, then the given stanzas written verbatim. Returns close().
 */
export async function rawClient(port, user, password, resource = "raw") {
  const socket = tcpConnect({ host: "127.0.0.1", port });
  let seen = "";
  socket.on("data", (d) => { seen += d; });
  socket.on("error", () => {});
  const until = (re, what) => waitFor(() => re.test(seen), 5_000, `${what}; got: ${seen}`);
  const open = () => socket.write("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
    + "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
  await new Promise((ok, fail) => { socket.once("connect", ok); socket.once("error", fail); });
  open();
  await until(/<\/stream:features>/, "stream features");
  socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString("base64")}</auth>`);
  await until(/<success/, "SASL success");
  seen = "";
  open();
  await until(/<\/stream:features>/, "stream features after auth");
  socket.write(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
  await until(/id=['"]bind1['"]/, "bind result");
  return {
    send: (xml) => socket.write(xml),
    close: () => new Promise((ok) => { socket.end("</stream:stream>"); socket.once("close", ok); setTimeout(ok, 1000); }),
  };
}
