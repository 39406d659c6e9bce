// Nothing a client sends is readable in Redis: credentials are sealed per session and deleted
// when the session ends; jobs and answers cross Redis sealed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, contextFor, dumpRedis, echo, request, serverForTests, waitFor } from "../lib/harness.mjs";

const PASSWORD = "hunter2-correct-horse";
const CONTENT = "the private words of this test";

const server = serverForTests();

describe("secrets in Redis", () => {
  it("keeps credentials sealed per session, and never a password or message content in plaintext", async () => {
    const socket = await connect(server.host.url, ["websocket"]);
    const creds = { "@context": contextFor("dummy"), type: "credentials", actor: { id: "secret-keeper", type: "person" },
      object: { type: "credentials", password: PASSWORD } };
    const ack = await request(socket, "credentials", creds);
    assert.equal(ack.error, undefined);
    assert.equal(JSON.stringify(ack).includes(PASSWORD), false, "the ack does not echo the password");

    // keep jobs flowing while Redis is read, so streams hold entries too
    let running = true;
    const load = (async () => { while (running) await request(socket, "message", echo(CONTENT)); })();
    const dumps = [];
    for (let i = 0; i < 20; i++) { dumps.push(...dumpRedis(server.redis.url)); await new Promise((r) => setTimeout(r, 25)); }
    running = false;
    await load;

    const credentialHashes = dumps.filter((d) => d.type === "hash" && d.key.includes(":credentials:"));
    assert.ok(credentialHashes.length > 0, "the credentials are stored in Redis");
    assert.ok(dumps.some((d) => d.type === "stream"), "jobs crossed Redis while it was read");
    for (const d of dumps) {
      assert.equal(d.content.includes(PASSWORD), false, `password in ${d.key}`);
      assert.equal(d.content.includes(CONTENT), false, `message content in ${d.key}`);
      assert.equal(d.content.includes("secret-keeper"), false, `actor id in ${d.key}`);
    }

    socket.close();
    await waitFor(() => !dumpRedis(server.redis.url).some((d) => d.key.includes(":credentials:")), 5000, "credentials deleted on disconnect");
  });
});
