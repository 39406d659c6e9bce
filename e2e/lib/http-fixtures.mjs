// A fixture web server on 127.0.0.1 for the feeds and metadata platforms: serves the feed and
// page fixtures of the platform modules' tests, plus a few routes that misbehave on purpose.
// It records every request it receives, so a test can assert that nothing reached it.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

const FEEDS = join(ROOT, "bundles/feeds/src/test/resources/fixtures");
const PAGES = join(ROOT, "bundles/metadata/src/test/resources/pages");

export async function startFixtures() {
  const requests = [];
  /** Every request as { path (with its query), agent (its User-Agent) }. */
  const seen = [];
  const server = createServer((req, res) => {
    // the guard pins plain-HTTP names to the checked address, so requests may come in absolute form
    const url = new URL(req.url, "http://fixture.invalid");
    requests.push(url.pathname);
    seen.push({ path: url.pathname + url.search, agent: req.headers["user-agent"] });
    const [, kind, name] = url.pathname.split("/");
    const send = (status, type, body) => { res.writeHead(status, { "content-type": type }); res.end(body); };
    try {
      if (kind === "feeds") return send(200, "application/rss+xml", readFileSync(join(FEEDS, name)));
      if (kind === "pages") {
        let body = readFileSync(join(PAGES, name));
        if (name === "metadata-test.html") body = body.toString("utf8").replaceAll("{{BASE}}", `${fixtures.base}/pages/`);
        return send(200, name.endsWith(".json") ? "application/json" : "text/html; charset=utf-8", body);
      }
      if (kind === "big") {
        res.writeHead(200, { "content-type": "text/html" });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let n = 0;
        const pump = () => { while (n < 200) { n++; if (!res.write(chunk)) return res.once("drain", pump); } res.end(); };
        res.on("error", () => {});
        return pump();
      }
      if (kind === "delay") {
        // /delay/<ms>/<feed>: the feed, after ms milliseconds
        const [, , ms, feed] = url.pathname.split("/");
        const timer = setTimeout(() => send(200, "application/rss+xml", readFileSync(join(FEEDS, feed))), Number(ms));
        res.on("close", () => clearTimeout(timer));
        return undefined;
      }
      if (kind === "slow-once" && requests.filter((p) => p === url.pathname).length > 1) {
        // /slow-once/<feed>: the first request trickles like /slow, the next ones get the feed
        return send(200, "application/rss+xml", readFileSync(join(FEEDS, name)));
      }
      if (kind === "slow" || kind === "slow-once") {
        res.writeHead(200, { "content-type": "application/rss+xml" });
        res.write("<rss version=\"2.0\">");
        const timer = setInterval(() => res.write(" "), 200);
        res.on("close", () => clearInterval(timer));
        return undefined;
      }
    } catch {
      return send(404, "text/plain", "not found");
    }
    return send(404, "text/plain", "not found");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const fixtures = {
    port: server.address().port,
    base: `http://127.0.0.1:${server.address().port}`,
    requests,
    seen,
    stop: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
  return fixtures;
}
