// Platform JAR variants for the drop-in tests, made from a built JAR with the JDK's own jar tool
// (no extra Maven modules): another build, a missing schema, a verb/schema mismatch, a bad
// manifest. And dropping a JAR into a deploy folder the way an operator's copy would.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const JAR = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin/jar") : "jar";

/** Manifest text → ordered [name, value] pairs (continuation lines joined). */
function parseManifest(text) {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const pairs = [];
  for (const line of lines) {
    if (line.startsWith(" ") && pairs.length) pairs[pairs.length - 1][1] += line.slice(1);
    else if (line.includes(": ")) pairs.push([line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)]);
  }
  return pairs;
}

/** Pairs → manifest text, lines wrapped at 72 bytes as the JAR spec asks. */
function formatManifest(pairs) {
  let out = "";
  for (const [name, value] of pairs) {
    let line = `${name}: ${value}`;
    out += line.slice(0, 72) + "\n";
    for (line = line.slice(72); line.length; line = line.slice(71)) out += " " + line.slice(0, 71) + "\n";
  }
  return out + "\n";
}

/**
 * Writes `out`: the JAR `base` with manifest headers set (a value of null removes the header),
 * entries removed, and entries added or replaced (`files`: path → text).
 */
export function jarVariant(base, out, { manifest = {}, remove = [], files = {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), "sockethub-jar-"));
  try {
    const tree = join(work, "tree");
    execFileSync("mkdir", ["-p", tree]);
    execFileSync(JAR, ["--extract", "--file", base], { cwd: tree });
    const manifestFile = join(tree, "META-INF/MANIFEST.MF");
    let pairs = parseManifest(readFileSync(manifestFile, "utf8"));
    for (const [name, value] of Object.entries(manifest)) {
      pairs = pairs.filter(([n]) => n !== name);
      if (value !== null) pairs.push([name, value]);
    }
    rmSync(manifestFile);
    writeFileSync(join(work, "MANIFEST.MF"), formatManifest(pairs));
    for (const path of remove) rmSync(join(tree, path));
    for (const [path, text] of Object.entries(files)) {
      execFileSync("mkdir", ["-p", dirname(join(tree, path))]);
      writeFileSync(join(tree, path), text);
    }
    execFileSync(JAR, ["--create", "--file", out, "--manifest", join(work, "MANIFEST.MF"), "-C", tree, "."]);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Copies a JAR into a deploy folder under `name` as one atomic rename (no half-written JAR is ever seen). */
export function drop(jar, deployDir, name) {
  const tmp = join(deployDir, `.${name}.part`);
  copyFileSync(jar, tmp);
  renameSync(tmp, join(deployDir, name));
}
