// A throw-away redis-server on a free loopback port, and `keyflow worker` processes run from source,
// for the queue tests and bench. Missing redis-server is a failure, not a skip: install Debian's
// `redis-server` (.ci/run does).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface TestRedis {
  url: string;
  /** Stops redis-server (it writes its append-only file first), waits `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  // Append-only file, synced on every write: a restart keeps the queue, as a real Redis would.
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("error", (e) => reject(new Error(`redis-server could not start (${e.message}); install it: apt-get install redis-server`)));
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ready to accept connections")) resolve(child);
    });
  });
}

async function halt(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "keyflow-redis-"));
  let child = await launch(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs) {
      await halt(child, "SIGTERM");
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch(port, dir);
    },
    async stop() {
      await halt(child, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `keyflow worker <args>` from source, resolved once it reports ready; its stderr lines collect in `log`. */
export async function startWorkerProcess(o: { url: string; dataDir: string; args: string[]; env?: Record<string, string> }): Promise<{ child: ChildProcess; log: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "worker", ...o.args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, KEYFLOW_REDIS_URL: o.url, KEYFLOW_DATA_DIR: o.dataDir, ...o.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const log: string[] = [];
  let rest = "";
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`keyflow worker exited (${code}): ${log.join("\n")}`)));
    child.stderr!.on("data", (b: Buffer) => {
      const lines = (rest + b.toString()).split("\n");
      rest = lines.pop()!;
      log.push(...lines);
      if (lines.some((l) => l.includes("ready:"))) resolve();
    });
  });
  return { child, log };
}
