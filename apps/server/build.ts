// Bundles the server for `node dist/main.js`: the CLI/server entry, the backtest worker and the sweep worker, with
// native and heavy dependencies left as imports. The db migrations are copied next to the bundle.
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const outdir = here("./dist");

rmSync(outdir, { recursive: true, force: true });
const started = performance.now();
await build({
  entryPoints: { main: here("./src/main.ts"), worker: here("./src/jobs/backtestWorker.ts"), sweepWorker: here("./src/research/sweepWorker.ts") },
  outdir,
  bundle: true,
  // Each CLI command in its own chunk: \`keyflow backtest\` loads neither ccxt nor SQLite nor tRPC.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3", "ccxt", "tsx", "esbuild", "bullmq"],
  // Bundled CommonJS dependencies may call require(); give them one.
  banner: { js: "import { createRequire as __kfCreateRequire } from 'node:module'; const require = __kfCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
cpSync(here("../../packages/db/drizzle"), `${outdir}/drizzle`, { recursive: true });
console.log(`built apps/server/dist (main.js, worker.js, drizzle/) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
