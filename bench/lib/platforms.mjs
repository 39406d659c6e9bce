// Uses each platform of the default layout once, the way the e2e tests do, and keeps the
// sessions connected: dummy echo; feeds fetch and metadata fetch from a loopback HTTP fixture
// (e2e/lib/http-fixtures.mjs; the host needs packageConfig.<platform>.allowPrivateAddresses);
// irc connect to a local InspIRCd + Atheme (e2e/lib/irc-peer.mjs) if installed, else to a closed
// loopback port; xmpp connect to a local Prosody (e2e/lib/xmpp-peer.mjs) if installed, else to a
// closed loopback port. Only 127.0.0.1 is ever used.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { performance } from "node:perf_hooks";
import { contextFor, freePort, request } from "../../e2e/lib/harness.mjs";
import { startFixtures } from "../../e2e/lib/http-fixtures.mjs";
import { onCleanup } from "./cleanup.mjs";
import { closeAll, connectOnce, ECHO } from "./clients.mjs";

const installed = (cmd) => (process.env.PATH ?? "").split(delimiter).some((d) => {
  try { accessSync(join(d, cmd), constants.X_OK); return true; } catch { return false; }
});

const summary = (ack) => (ack?.error ? `error ack: ${String(ack.error).slice(0, 120)}` : `ack type ${ack?.type}`);

async function timed(platform, how, run) {
  const t = performance.now();
  try {
    const ack = await run();
    return { platform, how, ok: !ack?.error, result: summary(ack), ms: performance.now() - t };
  } catch (e) {
    return { platform, how, ok: false, result: `FAILED: ${e.message}`, ms: performance.now() - t };
  }
}

/**
 * Uses each platform once on `url`; resolves with { results: [{ platform, how, ok, result, ms }],
 * stop() } (stop closes the sessions and the peers; cleanup does it too).
 */
export async function useEachPlatform(url) {
  const sockets = [];
  const peers = [];
  const stop = async () => {
    closeAll(sockets);
    for (const p of peers.reverse()) { try { await p.stop(); } catch { /* stopped */ } }
  };
  const unregister = onCleanup(stop);
  const socket = async () => { const s = await connectOnce(url); sockets.push(s); return s; };
  const results = [];

  results.push(await timed("dummy", "echo", async () => request(await socket(), "message", ECHO, 30_000)));

  const fixtures = await startFixtures();
  peers.push(fixtures);
  const feedUrl = `${fixtures.base}/feeds/sockethub-news.xml`;
  results.push(await timed("feeds", `fetch ${feedUrl}`, async () => request(await socket(), "message",
    { "@context": contextFor("feeds"), type: "fetch", actor: { id: feedUrl, type: "feed" } }, 30_000)));
  const pageUrl = `${fixtures.base}/pages/metadata-test.html`;
  results.push(await timed("metadata", `fetch ${pageUrl}`, async () => request(await socket(), "message",
    { "@context": contextFor("metadata"), type: "fetch", actor: { id: pageUrl, type: "website" } }, 30_000)));

  // irc
  let ircPort;
  let ircHow;
  if (installed("inspircd") && installed("atheme-services") && installed("openssl")) {
    const { startIrc } = await import("../../e2e/lib/irc-peer.mjs");
    const irc = await startIrc({});
    peers.push(irc);
    ircPort = irc.port;
    ircHow = `connect to a local InspIRCd on 127.0.0.1:${ircPort}`;
  } else {
    ircPort = await freePort(); // bound and released: nothing listens there
    ircHow = `connect to a closed loopback port 127.0.0.1:${ircPort} (inspircd not installed)`;
  }
  const IRC = contextFor("irc");
  const nick = "benchnick";
  const ircActor = { id: `${nick}@127.0.0.1`, type: "person", name: nick };
  results.push(await timed("irc", ircHow, async () => {
    const s = await socket();
    const stored = await request(s, "credentials", { "@context": IRC, type: "credentials", actor: ircActor,
      object: { type: "credentials", nick, server: "127.0.0.1", port: ircPort, secure: false } }, 30_000);
    if (stored?.error) return stored;
    return request(s, "message", { "@context": IRC, type: "connect", actor: ircActor }, 60_000);
  }));

  // xmpp
  let xmppPort;
  let xmppHow;
  if (installed("prosody") && installed("prosodyctl") && installed("openssl")) {
    const { startProsody } = await import("../../e2e/lib/xmpp-peer.mjs");
    const prosody = await startProsody({ users: { benchuser: "benchpw" } });
    peers.push(prosody);
    xmppPort = prosody.port;
    xmppHow = `connect to a local Prosody on 127.0.0.1:${xmppPort}`;
  } else {
    xmppPort = await freePort();
    xmppHow = `connect to a closed loopback port 127.0.0.1:${xmppPort} (prosody not installed)`;
  }
  const XMPP = contextFor("xmpp");
  const xmppActor = { id: "benchuser@localhost", type: "person" };
  results.push(await timed("xmpp", xmppHow, async () => {
    const s = await socket();
    const stored = await request(s, "credentials", { "@context": XMPP, type: "credentials", actor: xmppActor,
      object: { type: "credentials", userAddress: "benchuser@localhost", password: "benchpw", resource: "SockethubBench",
        server: `xmpp://127.0.0.1:${xmppPort}` } }, 30_000);
    if (stored?.error) return stored;
    return request(s, "message", { "@context": XMPP, type: "connect", actor: xmppActor }, 60_000);
  }));

  return { results, stop: async () => { unregister(); await stop(); } };
}
