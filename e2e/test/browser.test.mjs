// The examples pages in a real browser (Debian's chromium, headless, driven by playwright-core):
// the page loads /socket.io.js and /sockethub-client.js from the server and talks to it through
// the published SDK. A screenshot of each page goes to e2e/target/screenshots/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ROOT, connect, contextFor, request, serverForTests, waitFor } from "../lib/harness.mjs";
import { rawIrc, startIrc } from "../lib/irc-peer.mjs";
import { startProsody } from "../lib/xmpp-peer.mjs";

const SHOTS = join(ROOT, "e2e/target/screenshots");
// the feeds page fetches the examples' own fixture feed, on 127.0.0.1: the operator allows that here
const server = serverForTests({ args: ["--examples"], config: { packageConfig: {
  feeds: { allowPrivateAddresses: true }, metadata: { allowPrivateAddresses: true } } } });
let browser;
let irc;
let prosody;
before(async () => {
  irc = await startIrc();
  prosody = await startProsody({ users: { page: "pagepw", peer: "peerpw" } });
  await server.ready;
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  await irc?.stop();
  await prosody?.stop();
});

async function open(path) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.host.url + path);
  await page.waitForSelector("#status.up", { timeout: 15_000 });
  return { page, errors };
}

describe("the examples pages", () => {
  it("lists the registered platforms, with the page of each", async () => {
    const { page, errors } = await open("/examples/");
    await page.waitForSelector("tr[data-platform=dummy]");
    assert.equal(await page.evaluate(() => typeof io === "function" && typeof SockethubClient === "function"), true);
    assert.match(await page.textContent("tr[data-platform=dummy]"), /echo, fail, throw, greet/);
    await page.screenshot({ path: join(SHOTS, "index.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("runs the dummy echo and shows the raw activities", async () => {
    const { page, errors } = await open("/examples/dummy.html");
    await page.fill("#content", "hello from chromium");
    await page.click("#echo");
    await page.waitForSelector("#result.ok");
    assert.equal(await page.textContent("#result"), "hello from chromium");
    await page.click("#fail");
    await page.waitForSelector("#result.error");
    assert.equal(await page.textContent("#result"), "Error: hello from chromium");
    const log = await page.$$eval("#log .entry", (entries) => entries.map((e) => [e.className, JSON.parse(e.textContent)]));
    assert.deepEqual(log.map(([kind]) => kind), ["entry ack", "entry out", "entry ack", "entry out"]);
    assert.equal(log[2][1].actor.type, "platform");
    await page.screenshot({ path: join(SHOTS, "dummy.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("fetches a feed through the feeds page and lists its items", async () => {
    const url = `${server.host.url}/examples/fixtures/feed.xml`;
    const { page, errors } = await open(`/examples/feeds.html?${new URLSearchParams({ url })}`);
    await page.fill("#limit", "5");
    await page.click("#fetch");
    await page.waitForSelector("#result.ok", { timeout: 30_000 });
    assert.equal(await page.textContent("#result"), "5 items from Sockethub examples feed");
    const items = await page.$$eval("#items li", (lis) => lis.map((li) => li.textContent));
    assert.equal(items.length, 5);
    assert.match(items[0], /^Example post 1 · /);
    await page.screenshot({ path: join(SHOTS, "feeds.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("renders a link preview as a card", async () => {
    const url = `${server.host.url}/examples/fixtures/page.html`;
    const { page, errors } = await open(`/examples/metadata.html?${new URLSearchParams({ url })}`);
    await page.click("#fetch");
    await page.waitForSelector("#card .card h3", { timeout: 30_000 });
    assert.equal(await page.textContent("#card h3"), "Sockethub for the JVM");
    assert.match(await page.textContent("#card p"), /One JSON envelope over Socket.IO/);
    assert.equal(await page.textContent("#card .site"), "Sockethub examples");
    await page.screenshot({ path: join(SHOTS, "metadata.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("chats on IRC with another client through the IRC page", async () => {
    const params = new URLSearchParams({ server: "127.0.0.1", port: String(irc.port), secure: "false", nick: "pagenick", room: "#sh-browser" });
    const { page, errors } = await open(`/examples/irc.html?${params}`);
    await page.click("#connect");
    await page.waitForSelector("#connected.ok", { timeout: 30_000 });
    await page.click("#join");
    await page.waitForSelector("#joined.ok", { timeout: 30_000 });

    const peer = await rawIrc(irc.port, "rawpeer"); // a plain IRC client, registered
    try {
      peer.send("JOIN #sh-browser");
      await peer.waitFor(/ 366 rawpeer #sh-browser /);
      peer.send("PRIVMSG #sh-browser :hello page");
      await page.waitForSelector("#messages li:has-text('hello page')", { timeout: 15_000 });
      assert.match(await page.textContent("#messages"), /rawpeer\s*hello page/);

      await page.fill("#text", "hello raw client");
      const heard = peer.waitFor(/:pagenick!\S+ PRIVMSG #sh-browser :hello raw client/, 15_000);
      await page.click("#send");
      await heard;
      await page.waitForSelector("#messages li.mine:has-text('hello raw client')");
      await page.screenshot({ path: join(SHOTS, "irc.png"), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      peer.close();
      await page.close();
    }
  });

  it("chats in an XMPP room with another client through the XMPP page", async () => {
    const room = "browser@conference.localhost";
    const xmppServer = `xmpp://127.0.0.1:${prosody.port}`;
    const { page, errors } = await open(`/examples/xmpp.html?${new URLSearchParams({ jid: "page@localhost", server: xmppServer, room })}`);
    await page.fill("#password", "pagepw");
    await page.click("#connect");
    await page.waitForSelector("#connected.ok", { timeout: 30_000 });
    await page.click("#join");
    await page.waitForSelector("#joined.ok", { timeout: 30_000 });

    // another Sockethub client in the same room
    const XMPP = contextFor("xmpp");
    const actor = { id: "peer@localhost", type: "person", name: "peer" };
    const peer = await connect(server.host.url, ["websocket"]);
    try {
      const heard = [];
      peer.on("message", (m) => heard.push(m));
      const ok = async (event, activity) => {
        const ack = await request(peer, event, activity, 30_000);
        assert.equal(ack.error, undefined, JSON.stringify(ack));
      };
      await ok("credentials", { "@context": XMPP, type: "credentials", actor,
        object: { type: "credentials", userAddress: "peer@localhost", password: "peerpw", resource: "peer", server: xmppServer } });
      await ok("message", { "@context": XMPP, type: "connect", actor });
      await ok("message", { "@context": XMPP, type: "join", actor, target: { id: room, type: "room" } });
      await ok("message", { "@context": XMPP, type: "send", actor, target: { id: room, type: "room" },
        object: { type: "message", content: "hello page" } });
      await page.waitForSelector("#messages li:has-text('hello page')", { timeout: 15_000 });

      await page.fill("#text", "hello peer");
      await page.click("#send");
      await page.waitForSelector("#messages li.mine:has-text('hello peer')");
      await waitFor(() => heard.some((m) => m.type === "send" && m.object?.content === "hello peer"), 15_000, "the peer hearing the page");
      assert.equal(await page.locator("#messages li:has-text('hello peer')").count(), 1, "the room's echo is not listed again");
      await page.screenshot({ path: join(SHOTS, "xmpp.png"), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      peer.close();
      await page.close();
    }
  });
});
