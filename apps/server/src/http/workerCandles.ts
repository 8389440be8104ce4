// GET /worker/candles/<sha256>: the packed candles (gzip) of an open sweep, for `keyflow worker`
// processes. Its own token (KEYFLOW_WORKER_TOKEN), never the app's: a worker machine holds no key
// to the app. On loopback the token is needed only when set.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isLoopback } from "../config";
import type { Services } from "../trpc";
import { WORKER_CANDLES_PATH } from "../research/bullProtocol";
import { same } from "./auth";

const HASH = /^[0-9a-f]{64}$/;

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...(status === 401 ? { "www-authenticate": "Bearer" } : {}) });
  res.end(`${message}\n`);
}

export const isWorkerRoute = (url: URL) => url.pathname.startsWith(WORKER_CANDLES_PATH);

export function serveWorkerCandles(req: IncomingMessage, res: ServerResponse, url: URL, services: Services): void {
  const { host, workerToken } = services.config;
  if (req.method !== "GET") return answer(res, 405, "Workers fetch candles with GET.");
  if (workerToken === undefined && !isLoopback(host)) {
    return answer(res, 403, "This server is not on loopback: set KEYFLOW_WORKER_TOKEN (16+ random characters) on it and on each `keyflow worker`, or let workers take candles from Redis.");
  }
  if (workerToken !== undefined) {
    const header = req.headers.authorization;
    const given = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (given === undefined || !same(given, workerToken)) return answer(res, 401, "A worker needs KEYFLOW_WORKER_TOKEN, the same as the server's, to fetch candles.");
  }
  const hash = url.pathname.slice(WORKER_CANDLES_PATH.length);
  if (!HASH.test(hash)) return answer(res, 400, "Candles are fetched by their sha256 (64 hex digits).");
  const gz = services.research.candles(hash);
  if (!gz) return answer(res, 404, "No sweep running on this server uses these candles.");
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(gz.byteLength), "cache-control": "no-store" });
  res.end(gz);
}
