// The feeds and metadata platforms through the real gateway (issue 6): fixtures served on
// 127.0.0.1 by a local HTTP server, with packageConfig.<platform>.allowPrivateAddresses set by
// the operator for one host and left off for another. Only loopback addresses are ever used.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, contextFor, request, startHost, startRedis } from "../lib/harness.mjs";
import { startFixtures } from "../lib/http-fixtures.mjs";

const FEEDS = contextFor("feeds");
const METADATA = contextFor("metadata");
const feed = (url, object) => ({ "@context": FEEDS, type: "fetch", actor: { id: url, type: "feed" }, ...(object ? { object } : {}) });
const page = (url, name) => ({ "@context": METADATA, type: "fetch", actor: { id: url, type: "website", ...(name ? { name } : {}) } });

let redis;
let fixtures;
before(async () => {
  redis = await startRedis();
  fixtures = await startFixtures();
});
after(async () => {
  await fixtures?.stop();
  await redis?.stop();
});

describe("with allowPrivateAddresses set by the operator", () => {
  let host;
  let socket;
  before(async () => {
    host = await startHost({
      redisUrl: redis.url,
      config: {
        packageConfig: {
          feeds: { allowPrivateAddresses: true, connectTimeoutMs: 1500 },
          "@sockethub/platform-metadata": { allowPrivateAddresses: true, maxBodyBytes: 1048576 },
        },
      },
    });
    socket = await connect(host.url, ["websocket"]);
  });
  after(async () => {
    socket?.close();
    await host?.stop();
  });

  it("lists both platforms in the registry", async () => {
    const registry = await request(socket, "schemas", undefined);
    const ids = registry.platforms.map((p) => p.id);
    assert.ok(ids.includes("feeds") && ids.includes("metadata"), ids.join(","));
    assert.deepEqual(registry.platforms.find((p) => p.id === "feeds").types, ["fetch"]);
  });

  it("fetches an RSS 2.0 feed as a collection, newest first", async () => {
    const url = `${fixtures.base}/feeds/sockethub-news.xml`;
    const ack = await request(socket, "message", feed(url), 20_000);
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    assert.equal(ack.type, "collection");
    assert.deepEqual(ack["@context"], FEEDS);
    assert.equal(ack.summary, "Sockethub");
    assert.equal(ack.totalItems, 20);
    assert.equal(ack.items.length, 20);
    const first = ack.items[0];
    assert.equal(first.type, "post");
    assert.deepEqual(first.actor, { id: url, type: "feed", name: "Sockethub", link: "https://sockethub.org",
      description: "The polyglot solution to the federated social web", categories: [], language: "en", author: "Nick Jennings" });
    assert.equal(first.object.title, "Sockethub 4.1.0");
    assert.equal(first.object.datenum, 1630540800000);
    assert.equal(ack.items[5].object.type, "article");
    assert.equal(ack.items[5].object.published, "2019-09-26T00:00:00.000Z");
  });

  it("applies since and limit", async () => {
    const url = `${fixtures.base}/feeds/sockethub-news.xml`;
    assert.equal((await request(socket, "message", feed(url, { limit: 5 }))).totalItems, 5);
    assert.equal((await request(socket, "message", feed(url, { since: "2999-01-01T00:00:00.000Z" }))).totalItems, 0);
    assert.equal((await request(socket, "message", feed(url, { since: "1970-01-01T00:00:00.000Z" }))).totalItems, 20);
    const both = await request(socket, "message", feed(url, { since: "2020-01-01T00:00:00.000Z", limit: 2 }));
    assert.deepEqual(both.items.map((i) => i.object.title), ["Sockethub 4.1.0", "Sockethub update 1"]);
  });

  it("refuses bad since and limit values before the platform runs", async () => {
    const url = `${fixtures.base}/feeds/rdf.xml`;
    assert.match((await request(socket, "message", feed(url, { limit: 0 }))).error, /^\[feeds\] \/object\/limit: /);
    assert.match((await request(socket, "message", feed(url, { since: "last tuesday" }))).error, /^\[feeds\] \/object\/since: must match format "date-time"/);
    assert.match((await request(socket, "message", feed(url, { allowPrivateAddresses: false }))).error, /must NOT have additional properties/);
  });

  it("reads Atom 1.0, Atom 0.3 and RSS 1.0 (RDF)", async () => {
    const atom = await request(socket, "message", feed(`${fixtures.base}/feeds/atom.xml`));
    assert.deepEqual(atom.items.map((i) => i.object.title), ["Newer entry", "Older entry"]);
    assert.equal(atom.items[0].actor.author, "Ada Author");
    assert.equal(atom.items[1].object.brief, "Summary of the older entry.");
    const atom03 = await request(socket, "message", feed(`${fixtures.base}/feeds/atom03.xml`));
    assert.equal(atom03.items[0].object.id, "http://example.net/2003/12/13/atom03");
    const rdf = await request(socket, "message", feed(`${fixtures.base}/feeds/rdf.xml`));
    assert.deepEqual(rdf.items.map((i) => i.object.url), ["https://example.com/rdf/2", "https://example.com/rdf/1"]);
    assert.equal(rdf.summary, "RDF Site Summary");
  });

  it("fails a feed fetch with the status, and cuts off a slow server", async () => {
    const missing = `${fixtures.base}/feeds/missing.xml`;
    assert.equal((await request(socket, "message", feed(missing))).error, `Error: request failed: 404 Not Found for ${missing}`);
    const started = Date.now();
    const slow = await request(socket, "message", feed(`${fixtures.base}/slow/feed.xml`));
    assert.equal(slow.error, "Error: timed out after 1500 ms");
    assert.ok(Date.now() - started < 6000);
  });

  it("previews a page with Open Graph tags", async () => {
    const url = `${fixtures.base}/pages/metadata-test.html`;
    const ack = await request(socket, "message", page(url));
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    assert.equal(ack.type, "fetch");
    assert.deepEqual(ack["@context"], METADATA);
    assert.deepEqual(ack.actor, { id: url, type: "website", name: "" });
    assert.deepEqual(ack.object, { type: "page", language: "en", title: "Sockethub Metadata Test",
      description: "Local metadata fixture for integration tests", url, favicon: "/favicon.ico", charset: "utf-8" });
  });

  it("previews a page with only Twitter card tags", async () => {
    const ack = await request(socket, "message", page(`${fixtures.base}/pages/twitter.html`, "Named by the client"));
    assert.equal(ack.object.title, "Only Twitter Tags");
    assert.equal(ack.object.description, "Described by a\nTwitter card");
    assert.deepEqual(ack.object.image, [{ url: "https://cdn.example.com/card.png", type: "png", alt: "A card image" }]);
    assert.equal(ack.actor.name, "Named by the client");
  });

  it("previews a page with JSON-LD", async () => {
    const ack = await request(socket, "message", page(`${fixtures.base}/pages/jsonld.html`));
    assert.equal(ack.object.title, "Structured Headline");
    assert.equal(ack.object.name, "Example News");
    assert.equal(ack.actor.name, "Example News");
    assert.equal(ack.actor.id, "https://example.com/news/1");
    assert.deepEqual(ack.object.video, { url: "https://example.com/clip.mp4", thumbnail: "https://example.com/clip.jpg", width: 1920, height: 1080, duration: 12.5 });
  });

  it("previews a page through its oEmbed link", async () => {
    const before = fixtures.requests.length;
    const ack = await request(socket, "message", page(`${fixtures.base}/pages/oembed.html`));
    assert.equal(ack.object.title, "Title From oEmbed");
    assert.equal(ack.object.name, "Example Video");
    assert.deepEqual(ack.object.image, [{ url: "https://video.example.com/thumb.jpg", width: 480, height: 360 }]);
    assert.deepEqual(fixtures.requests.slice(before), ["/pages/oembed.html", "/pages/oembed.json"]);
  });

  it("answers clear errors: not HTML, too large, not found", async () => {
    assert.equal((await request(socket, "message", page(`${fixtures.base}/pages/oembed.json`))).error,
      "Error: Page must return a header content-type with text/");
    assert.equal((await request(socket, "message", page(`${fixtures.base}/big/page.html`))).error,
      "Error: response body too large (limit 1048576 bytes)");
    assert.equal((await request(socket, "message", page(`${fixtures.base}/pages/nothing.html`))).error, "Error: 404 Not Found");
    assert.equal((await request(socket, "message", page(`${fixtures.base}/pages/photo.png`))).error, "Error: Must scrape an HTML page");
    assert.match((await request(socket, "message", { ...page(`${fixtures.base}/pages/twitter.html`), object: { type: "x" } })).error,
      /^\[metadata\] \/object: boolean schema is false/);
  });
});

describe("with allowPrivateAddresses off (the default)", () => {
  let host;
  let socket;
  before(async () => {
    host = await startHost({ redisUrl: redis.url, config: {} });
    socket = await connect(host.url, ["websocket"]);
    // the first job of each platform waits for its worker JVM to boot; time the guard, not that
    await request(socket, "message", feed("http://0.0.0.0:9/warm-up.xml"), 60_000);
    await request(socket, "message", page("http://0.0.0.0:9/warm-up.html"), 60_000);
  });
  after(async () => {
    socket?.close();
    await host?.stop();
  });

  const forms = (port) => [
    [`http://127.0.0.1:${port}`, /^Error: blocked non-public address 127\.0\.0\.1$/],
    [`http://[::1]:${port}`, /^Error: blocked non-public address ::1$/],
    [`http://[::ffff:127.0.0.1]:${port}`, /^Error: blocked non-public address 127\.0\.0\.1$/],
    [`http://0.0.0.0:${port}`, /^Error: blocked non-public address 0\.0\.0\.0$/],
    [`http://localhost:${port}`, /^Error: blocked non-public address (127\.0\.0\.1|::1) for localhost$/],
    [`http://2130706433:${port}`, /^Error: blocked non-public address 127\.0\.0\.1$/],
    [`http://0x7f.1:${port}`, /^Error: blocked non-public address 127\.0\.0\.1$/],
  ];

  it("refuses every loopback form quickly, for both platforms, and nothing reaches the fixture server", async () => {
    const before = fixtures.requests.length;
    for (const [origin, error] of forms(fixtures.port)) {
      for (const message of [feed(`${origin}/feeds/rdf.xml`), page(`${origin}/pages/metadata-test.html`)]) {
        const started = Date.now();
        const ack = await request(socket, "message", message, 20_000);
        assert.match(ack.error ?? "", error, `${message.actor.id}: ${JSON.stringify(ack)}`);
        assert.ok(Date.now() - started < 3000, `${message.actor.id} refused in ${Date.now() - started} ms`);
      }
    }
    assert.deepEqual(fixtures.requests.slice(before), []);
  });

  it("cannot be switched on by anything a client sends", async () => {
    const before = fixtures.requests.length;
    const sneaky = { ...feed(`http://127.0.0.1:${fixtures.port}/feeds/rdf.xml`), allowPrivateAddresses: true, config: { allowPrivateAddresses: true } };
    sneaky.actor.allowPrivateAddresses = true;
    assert.match((await request(socket, "message", sneaky)).error, /blocked non-public address 127\.0\.0\.1|additional properties/);
    const credentials = { "@context": METADATA, type: "credentials", actor: { id: "x", type: "website" }, object: { allowPrivateAddresses: true } };
    await request(socket, "credentials", credentials);
    assert.match((await request(socket, "message", page(`http://127.0.0.1:${fixtures.port}/pages/metadata-test.html`))).error,
      /^Error: blocked non-public address 127\.0\.0\.1$/);
    assert.deepEqual(fixtures.requests.slice(before), []);
  });
});
