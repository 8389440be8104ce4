// The built server (apps/server/dist) as `pnpm start` runs it, in its own process.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const serverDir = fileURLToPath(new URL("../../apps/server/", import.meta.url));
let built = false;

/** Bundles apps/server into dist (once per test file; it takes well under a second). */
export function buildServer(): void {
  if (built) return;
  const build = spawnSync(process.execPath, ["--import", "tsx", "build.ts"], { cwd: serverDir, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  built = true;
}

export interface BuiltServer {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `node dist/main.js serve` with the given environment; resolves once it prints its address.
 * `nodeArgs` go before the script (e.g. `--import` of a test-only module).
 */
export async function startBuiltServer(env: Record<string, string | undefined>, nodeArgs: string[] = []): Promise<BuiltServer> {
  buildServer();
  const child = spawn(process.execPath, [...nodeArgs, "dist/main.js", "serve"], {
    cwd: serverDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, KEYFLOW_PORT: "0", KEYFLOW_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/[^\s/]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * One tRPC call over plain HTTP as Keyflow's own client makes it (JSON, its header); a plain-text
 * refusal comes back as the body string.
 */
export async function api(server: Pick<BuiltServer, "url">, kind: "query" | "mutation", path: string, input?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const q = kind === "query" && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : "";
  const init: RequestInit = kind === "query" ? { headers } : { method: "POST", headers: { "content-type": "application/json", "x-keyflow-client": "test", ...headers }, body: JSON.stringify(input ?? null) };
  const res = await fetch(`${server.url}/trpc/${path}${q}`, init);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
