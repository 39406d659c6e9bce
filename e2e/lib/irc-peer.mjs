// A real IRC network for the IRC end-to-end tests: InspIRCd 3 (Debian package "inspircd") with
// Atheme services (package "atheme-services") for accounts and SASL PLAIN, on free loopback ports,
// configs written into a temp dir (see ../shared/notes/test-peers.md). stop() ends both by pid;
// restart() stops and starts InspIRCd on the same ports (Atheme relinks by itself).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./harness.mjs";

const inspircdConf = ({ dir, port, tlsPort, linkPort }) => `<config format="xml">
<server name="irc.test" description="Test IRC server" network="TestNet" id="00A">
<admin name="Test Admin" nick="admin" email="admin@localhost">
<bind address="127.0.0.1" port="${port}" type="clients">
<bind address="127.0.0.1" port="${tlsPort}" type="clients" sslprofile="Clients">
<bind address="127.0.0.1" port="${linkPort}" type="servers">
<connect name="main" allow="*" maxchans="200" timeout="30" pingfreq="5m"
         hardsendq="4M" softsendq="1M" recvq="64K" threshold="100000" commandrate="1000000" fakelag="no"
         localmax="10000" globalmax="10000" maxconnwarn="no" resolvehostnames="no" useident="no" limit="10000" modes="">
<power diepass="" restartpass="">
<pid file="${dir}/inspircd.pid">
<files motd="${dir}/inspircd.motd">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${dir}/inspircd.log">
<dns timeout="3">
<options prefixquit="Quit: " syntaxhints="no" announcets="yes" hostintopic="yes" pingwarning="0" splitwhois="no" exemptchanops="">
<security hideserver="" userstats="Pu" customversion="" flatlinks="no" hidesplits="no" hideulines="no" hidebans="no" maxtargets="100" announceinvites="dynamic" runasuser="" runasgroup="">
<performance quietbursts="yes" softlimit="1024" somaxconn="128" netbuffersize="10240" clonesonconnect="no">
<channels users="1000" opers="1000">
<limits maxnick="30" maxchan="64" maxmodes="20" maxident="10" maxhost="64" maxquit="255" maxtopic="307" maxkick="255" maxreal="128" maxgecos="128" maxaway="200">
<whowas groupsize="10" maxgroups="1000" maxkeep="1h">
<module name="cap">
<module name="ircv3">
<module name="ircv3_accounttag">
<module name="ircv3_batch">
<module name="ircv3_capnotify">
<module name="ircv3_chghost">
<module name="ircv3_servertime">
<module name="ircv3_msgid">
<module name="namesx">
<module name="uhnames">
<module name="chghost">
<module name="cban">
<module name="svshold">
<module name="hidechans">
<module name="deaf">
<module name="servprotect">
<module name="hideoper">
<module name="ssl_gnutls">
<module name="sslinfo">
<module name="services_account">
<module name="sasl">
<module name="spanningtree">
<sslprofile name="Clients" provider="gnutls" certfile="${dir}/cert.pem" keyfile="${dir}/key.pem" requestclientcert="no" hash="sha256">
<link name="services.test" ipaddr="127.0.0.1" port="${linkPort}" allowmask="127.0.0.0/8" sendpass="linkpass" recvpass="linkpass" hidden="no">
<uline server="services.test" silent="yes">
<sasl target="services.test" requiressl="no">
`;

const athemeConf = ({ linkPort }) => `
loadmodule "modules/protocol/inspircd";
loadmodule "modules/backend/opensex";
loadmodule "modules/crypto/pbkdf2v2";
loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/chanserv/main";
loadmodule "modules/saslserv/main";
loadmodule "modules/saslserv/plain";
pbkdf2v2 { digest = "SHA256"; rounds = 10000; };
serverinfo {
  name = "services.test"; desc = "Atheme IRC Services"; numeric = "00B"; recontime = 1; netname = "TestNet";
  hidehostsuffix = "users.test"; adminname = "Test Admin"; adminemail = "admin@localhost";
  registeremail = "noreply@localhost"; loglevel = { error; info; admin; network; }; maxlogins = 100;
  maxusers = 100; mdlimit = 30; emaillimit = 10; emailtime = 300; auth = none; casemapping = rfc1459;
};
uplink "irc.test" { host = "127.0.0.1"; password = "linkpass"; port = ${linkPort}; };
nickserv { nick = "NickServ"; user = "NickServ"; host = "services.test"; real = "Nickname Services"; maxnicks = 5; expire = 0; };
chanserv { nick = "ChanServ"; user = "ChanServ"; host = "services.test"; real = "Channel Services"; maxchans = 100;
  templates { vop = "+AV"; hop = "+AHehitrv"; aop = "+AOehiortv"; sop = "+AOaefhiorstv"; founder = "+AFORaefhiorstv"; };
  expire = 0; maxchanacs = 0; maxfounders = 4; };
saslserv { nick = "SaslServ"; user = "SaslServ"; host = "services.test"; real = "SASL Authentication Agent"; };
general { uflags = { hidemail; }; cflags = { verbose; }; flood_msgs = 0; flood_time = 10; ratelimit_uses = 1000;
  ratelimit_period = 1; kline_time = 7; clone_time = 0; commit_interval = 1; default_clone_allowed = 10000;
  default_clone_warn = 10000; uplink_sendq_limit = 1048576; language = "en"; immune_level = immune; };
operclass "user" { };
`;

/** An Atheme opensex DB with accounts whose passwords are stored in clear (re-hashed at first login). */
function seedDb(accounts) {
  const entries = Object.entries(accounts);
  const lines = ["GRVER 1", "DBV 12", `LUID AAAAAA${String(entries.length).padStart(3, "0")}`, "CF +AFHORVabefhioqrstv"];
  entries.forEach(([user, pass], i) => {
    const id = `AAAAAA${String(i + 1).padStart(3, "0")}`;
    lines.push(`MU ${id} ${user} ${pass} ${user}@example.com 1700000000 1700000000 + default`);
    lines.push(`MN ${user} ${user} 1700000000 1700000000`);
  });
  lines.push("KID 0", "XID 0", "QID 0");
  return lines.join("\n") + "\n";
}

/** Resolves true once the server answers CAP LS (and, with wantSasl, lists sasl). */
function probe(port, wantSasl) {
  return new Promise((ok) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let seen = "";
    const done = (v) => { socket.destroy(); ok(v); };
    socket.setTimeout(2000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("CAP LS 302\r\n"));
    socket.on("data", (d) => {
      seen += d;
      const line = seen.split("\r\n").find((l) => / CAP \S+ LS /.test(l));
      if (line) done(!wantSasl || line.includes("sasl"));
    });
  });
}

function alive(child) {
  return child && child.exitCode === null && child.signalCode === null;
}

async function stopChild(child) {
  if (!alive(child)) return;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts InspIRCd + Atheme. Returns { host, port, tlsPort, dir, log(), restart(), stop() }.
 * `accounts`: { name: password } registered with NickServ (usable for SASL PLAIN).
 */
export async function startIrc({ accounts = {}, motd = "Welcome to the Sockethub test network", port: fixedPort } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sockethub-irc-"));
  const [port, tlsPort, linkPort] = [fixedPort ?? await freePort(), await freePort(), await freePort()];
  const opts = { dir, port, tlsPort, linkPort };
  writeFileSync(join(dir, "inspircd.conf"), inspircdConf(opts));
  writeFileSync(join(dir, "inspircd.motd"), motd + "\n");
  writeFileSync(join(dir, "atheme.conf"), athemeConf(opts));
  mkdirSync(join(dir, "atheme"));
  writeFileSync(join(dir, "atheme", "services.db"), seedDb(accounts));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
  { stdio: "ignore" });

  let ircd;
  let atheme;
  let output = "";
  const keep = (child) => {
    child.stdout.on("data", (c) => { output += c; });
    child.stderr.on("data", (c) => { output += c; });
  };
  const startIrcd = async () => {
    // no core files from inspircd 3.15's harmless segfault on SIGTERM with ssl_gnutls
    ircd = spawn("bash", ["-c", `ulimit -c 0; exec inspircd --config "${dir}/inspircd.conf" --nofork --runasroot`],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    keep(ircd);
    await waitFor(() => probe(port, false), 20_000, "inspircd");
  };
  const waitLinked = () => waitFor(() => probe(port, true), 20_000, "atheme linked (sasl offered)");

  await startIrcd();
  atheme = spawn("atheme-services", ["-n", "-c", join(dir, "atheme.conf"), "-D", join(dir, "atheme"),
    "-l", join(dir, "atheme.log"), "-p", join(dir, "atheme.pid")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  keep(atheme);
  await waitLinked();

  return {
    host: "127.0.0.1", port, tlsPort, dir,
    log: () => output,
    /** Stops InspIRCd, waits `downMs`, starts it again on the same ports and waits for services. */
    async restart(downMs = 500) {
      await stopChild(ircd);
      await new Promise((r) => setTimeout(r, downMs));
      await startIrcd();
      await waitLinked();
    },
    async stop() {
      await stopChild(atheme);
      await stopChild(ircd);
    },
  };
}

/**
 * A bare IRC client for setting the scene (holding a nick, making a channel invite-only).
 * Returns { send(line), waitFor(regex, ms), count(regex), close() }.
 */
export async function rawIrc(port, nick) {
  const socket = tcpConnect(port, "127.0.0.1");
  let buffer = "";
  const lines = [];
  const waiters = new Set();
  socket.setEncoding("utf8");
  socket.on("data", (d) => {
    buffer += d;
    let i;
    while ((i = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      if (line.startsWith("PING ")) socket.write(`PONG ${line.slice(5)}\r\n`);
      lines.push(line);
      for (const w of waiters) w(line);
    }
  });
  socket.on("error", () => {});
  await new Promise((ok, fail) => { socket.once("connect", ok); socket.once("error", fail); });
  const client = {
    send: (line) => socket.write(line + "\r\n"),
    waitFor: (regex, ms = 10_000) => new Promise((ok, fail) => {
      const timer = setTimeout(() => { waiters.delete(w); fail(new Error(`raw irc: no ${regex} within ${ms} ms`)); }, ms);
      const w = (l) => { if (regex.test(l)) { clearTimeout(timer); waiters.delete(w); ok(l); } };
      waiters.add(w);
    }),
    /** How many lines received so far match. */
    count: (regex) => lines.filter((l) => regex.test(l)).length,
    close: () => { try { socket.write("QUIT :bye\r\n"); } catch { /* closed */ } socket.end(); },
  };
  client.send(`NICK ${nick}`);
  client.send(`USER ${nick} 0 * :${nick}`);
  await client.waitFor(/ 001 /);
  return client;
}

// Run directly for a local network to try the platform with (see bundles/irc/README.md):
//   node e2e/lib/irc-peer.mjs [port]     (default 6667; accounts alice/alicepw and bob/bobpw)
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const irc = await startIrc({ port: Number(process.argv[2] ?? 6667), accounts: { alice: "alicepw", bob: "bobpw" } });
  console.log(`InspIRCd + Atheme on 127.0.0.1:${irc.port} (TLS ${irc.tlsPort}, self-signed); Ctrl-C stops them`);
  const stop = async () => { await irc.stop(); process.exit(0); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
