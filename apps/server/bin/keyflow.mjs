#!/usr/bin/env node
// `keyflow` (and `pnpm keyflow`): the built CLI when the build is newer than every source file it
// was made from (starts in a quarter of a second), else the sources through tsx (always current).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const server = fileURLToPath(new URL("..", import.meta.url));
const built = join(server, "dist/main.js");
const sources = [join(server, "src"), ...["core", "db", "exchange"].map((p) => join(server, "../../packages", p, "src"))];

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const fresh = existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.filter(existsSync).map(newest));
if (fresh) {
  await import(pathToFileURL(built).href);
} else {
  const tsx = createRequire(join(server, "package.json")).resolve("tsx/cli");
  const r = spawnSync(process.execPath, [tsx, join(server, "src/cli/main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exitCode = r.status ?? 1;
}

