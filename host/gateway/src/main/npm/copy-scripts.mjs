// Copies the browser bundles of the released npm packages (installed by `npm ci` next to this
// file's copy in target/npm) into the gateway bundle's resources, under the names it serves.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const [from, to] = process.argv.slice(2);
const files = {
  "socket.io-client/dist/socket.io.js": "socket.io.js",
  "@sockethub/client/dist/sockethub-client.browser.js": "sockethub-client.js",
  "@sockethub/client/dist/sockethub-client.min.js": "sockethub-client.min.js",
};
mkdirSync(to, { recursive: true });
for (const [source, target] of Object.entries(files)) {
  const path = join(from, "node_modules", source);
  if (!existsSync(path)) {
    console.error(`copy-scripts: ${path} is missing; did npm ci run?`);
    process.exit(1);
  }
  copyFileSync(path, join(to, target));
}
