import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

/** apps/web/dist seen from src/http (source) or from dist/ (the bundle); KEYFLOW_WEB_DIST overrides. */
export function findWebDist(): string {
  if (process.env.KEYFLOW_WEB_DIST) return resolve(process.env.KEYFLOW_WEB_DIST);
  const candidates = [new URL("../../../web/dist/", import.meta.url), new URL("../../web/dist/", import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((d) => existsSync(join(d, "index.html"))) ?? candidates[0]!;
}

const NOT_BUILT = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyflow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.2rem}</style></head>
<body><h1>Keyflow is running</h1>
<p>The server and its API at <code>/trpc</code> are up, but the web app has not been built yet
(looked in <code>${dir.replace(/[<>&]/g, "")}</code>).</p>
<p>Run <code>pnpm build</code> (or simply <code>pnpm start</code>, which builds first) and reload this page.</p>
</body></html>`;

/** Serves the built web app; unknown paths without a file extension get index.html (client-side routes). */
export function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, root = findWebDist()): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const index = join(root, "index.html");
  if (!existsSync(index)) {
    res.writeHead(200, { "content-type": TYPES[".html"]!, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : NOT_BUILT(root));
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    res.writeHead(404).end();
    return;
  }
  let target = file;
  const isFile = existsSync(file) && statSync(file).isFile();
  if (!isFile) {
    if (extname(path) !== "") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`Not found: ${url.pathname}\n`);
      return;
    }
    target = index;
  }
  const immutable = target !== index && path.startsWith("/assets/");
  res.writeHead(200, {
    "content-type": TYPES[extname(target)] ?? "application/octet-stream",
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(target).pipe(res);
}
