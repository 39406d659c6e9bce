// Activities for the e2e-only persistent platform `testchat` (e2e/chat-platform).
import { contextFor } from "./harness.mjs";

export const CHAT = contextFor("testchat");
export const person = (id) => ({ id, type: "person" });
export const creds = (actor, object) => ({ "@context": CHAT, type: "credentials", actor: person(actor), object: { type: "credentials", ...object } });
export const verb = (type, actor, extra = {}) => ({ "@context": CHAT, type, actor: person(actor), ...extra });
export const say = (actor, content) => verb("send", actor, { target: { id: "#room", type: "room" }, object: { type: "message", content } });
