// Shared by every example page: one SockethubClient over Socket.IO (both served by this server),
// the raw log of every activity in and out, and small helpers. No framework, no build step.
/* global io, SockethubClient */
const AS2 = "https://www.w3.org/ns/activitystreams";
const SOCKETHUB = "https://sockethub.org/ns/context/v1.jsonld";

const PAGES = { dummy: "Dummy", feeds: "Feeds", metadata: "Link preview", irc: "IRC", xmpp: "XMPP" };

/** Every page is its own form; the header, the navigation and the raw log are added here. */
function layout() {
  const current = document.body.dataset.page;
  const header = document.createElement("header");
  header.innerHTML = '<h1>Sockethub examples</h1><nav></nav><span id="status" class="down">connecting…</span>';
  const nav = header.querySelector("nav");
  for (const [page, title] of [["index", "Platforms"], ...Object.entries(PAGES)]) {
    const a = document.createElement("a");
    a.href = page === "index" ? "./" : `${page}.html`;
    a.textContent = title;
    if (page === current) a.className = "current";
    a.dataset.page = page;
    nav.append(a);
  }
  document.body.prepend(header);
  const main = document.querySelector("main");
  const logSection = document.createElement("section");
  logSection.innerHTML = '<h2>Activities, raw</h2><div id="log"></div>';
  main.append(logSection);
}
layout();
const logBox = document.getElementById("log");
const status = document.getElementById("status");
export const PAGE_TITLES = PAGES;

function log(kind, payload) {
  if (!logBox) return;
  const entry = document.createElement("div");
  entry.className = `entry ${kind}`;
  entry.textContent = JSON.stringify(payload, null, 2);
  logBox.prepend(entry);
}

export const client = new SockethubClient(io(location.origin, { path: "/sockethub" }));
client.debug = false;

client.socket.on("connect", () => { status.textContent = "connected"; status.className = "up"; });

// the navigation offers only the pages of platforms registered here (platforms come and go)
registry().then((known) => {
  const ids = new Set(known.platforms.map((p) => p.id));
  document.querySelectorAll("header nav a").forEach((a) => {
    a.hidden = a.dataset.page !== "index" && !ids.has(a.dataset.page);
  });
});
client.socket.on("disconnect", () => { status.textContent = "disconnected"; status.className = "down"; });

/** The canonical @context of a platform. */
export const contextFor = (platform) => [AS2, SOCKETHUB, `https://sockethub.org/ns/context/platform/${platform}/v1.jsonld`];

/** Sends `credentials` or `message` and resolves with the ack, logging both. */
export function send(event, activity) {
  log("out", activity);
  return new Promise((resolve) => {
    client.socket.emit(event, activity, (ack) => {
      log("ack", ack ?? null);
      resolve(ack);
    });
  });
}

/** Calls `handler` with every unsolicited message, after logging it. */
export function onMessage(handler) {
  client.socket.on("message", (activity) => {
    log("in", activity);
    handler(activity);
  });
}

/**
 * The platform registry, from the server's `schemas` event (on the raw socket: the published
 * client's emitter always passes a payload argument, which would take the callback's place).
 */
export function registry() {
  return new Promise((resolve) => client._socket.emit("schemas", (answer) => resolve(answer)));
}

/** Shows an ack's outcome in an element: its error in red, or `ok` in green. */
export function outcome(element, ack, ok = "done") {
  element.className = `result ${ack?.error ? "error" : "ok"}`;
  element.textContent = ack?.error ? ack.error : ok;
  return !ack?.error;
}

/** A random suffix for nicks and rooms. */
export const random = () => Math.random().toString(36).slice(2, 7);

export const $ = (id) => document.getElementById(id);

/** Adds a line to a message list. */
export function listItem(list, who, text, kind = "") {
  const li = document.createElement("li");
  li.className = kind;
  if (who) {
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who;
    li.append(name);
  }
  li.append(document.createTextNode(text));
  list.append(li);
  list.scrollTop = list.scrollHeight;
  return li;
}

/**
 * The chat pages (IRC, XMPP): #connect stores credentials and connects; into #chat go #room with
 * its #join button, #messages and #text with its #send button; incoming messages, joins, leaves,
 * updates and errors are listed in #messages.
 *
 * @param {object} chat
 * @param {string} chat.platform     the platform id
 * @param {{label: string, value: string}} chat.room the room field's label and first value
 * @param {() => object} chat.actor  the actor of every activity
 * @param {() => object} chat.credentials the credentials object
 * @param {() => string} chat.who    how to name ourselves once connected
 */
export function chatPage({ platform, room, actor, credentials, who }) {
  // the part every chat page shares: a room to join, what is said in it, and a line to send
  $("chat").innerHTML = `
    <div class="row">
      <div><label for="room">${room.label}</label><input type="text" id="room"></div>
      <button id="join" disabled>Join</button>
    </div>
    <div id="joined" class="result"></div>
    <ul class="messages" id="messages"></ul>
    <div class="row">
      <div><label for="text">Message</label><input type="text" id="text"></div>
      <button id="send" disabled>Send</button>
    </div>`;
  $("room").value = room.value;
  const ctx = contextFor(platform);
  const target = () => ({ id: $("room").value, name: $("room").value, type: "room" });
  const name = (a) => a?.name ?? a?.id;
  $("connect").addEventListener("click", async () => {
    const stored = await send("credentials", { "@context": ctx, type: "credentials", actor: actor(), object: credentials() });
    if (!outcome($("connected"), stored)) return;
    const ack = await send("message", { "@context": ctx, type: "connect", actor: actor() });
    if (outcome($("connected"), ack, `connected as ${who()}`)) $("join").disabled = false;
  });
  $("join").addEventListener("click", async () => {
    const ack = await send("message", { "@context": ctx, type: "join", actor: actor(), target: target() });
    if (outcome($("joined"), ack, `joined ${$("room").value}`)) $("send").disabled = false;
  });
  $("send").addEventListener("click", async () => {
    const content = $("text").value;
    const ack = await send("message", { "@context": ctx, type: "send", actor: actor(), target: target(),
      object: { type: "message", content } });
    if (!ack?.error) {
      listItem($("messages"), who(), content, "mine");
      $("text").value = "";
    }
  });
  onMessage((activity) => {
    if (activity.type === "send" && activity.object?.content !== undefined) {
      // a room's echo of what we said (XMPP rooms send it back) is listed already
      if (name(activity.actor) !== name(actor())) listItem($("messages"), name(activity.actor), activity.object.content);
    } else if (activity.type === "error" || activity.error) {
      listItem($("messages"), "", activity.error ?? "error", "notice");
    } else if (["join", "leave"].includes(activity.type)) {
      listItem($("messages"), "", `${name(activity.actor)} ${activity.type === "join" ? "joined" : "left"}`, "notice");
    } else if (activity.type === "update" && activity.object?.content) {
      listItem($("messages"), "", `${name(activity.actor)}: ${activity.object.content}`, "notice");
    }
  });
}
