import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter } from "../router/root";
import { createContext, type Services } from "../trpc";
import { authorize } from "./auth";
import { isWorkerRoute, serveWorkerCandles } from "./workerCandles";
import { allowedHosts, checkApiRequest, checkHost, SECURITY_HEADERS, type Refusal } from "./perimeter";
import { serveStatic } from "./static";

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Big enough for a CSV import of a year of 1m candles. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** All request headers together; larger requests get 431. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Header lines per request (Node would silently drop those beyond its own limit). */
const MAX_HEADERS = 100;
/** A client must send its headers within this time (slow-loris). */
const HEADERS_TIMEOUT_MS = 10_000;
/** …and its whole request (a large CSV upload on loopback takes well under this). */
const REQUEST_TIMEOUT_MS = 120_000;

/** Reads a whole request body as text; `done` is never called for a request that ends early. */
function readBody(req: IncomingMessage, max: number, done: (body: string | "too-large") => void): void {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) {
    req.resume();
    return done("too-large");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size > max && !over) {
      over = true;
      chunks.length = 0;
      done("too-large");
    } else if (!over) chunks.push(c);
  });
  req.on("end", () => {
    if (!over) done(Buffer.concat(chunks).toString("utf8"));
  });
}

function refuse(res: ServerResponse, r: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(r.status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", connection: "close" });
  res.end(r.message);
}

/** What the server answers when the HTTP parser itself rejects a request (it never reaches a route). */
function clientErrorAnswer(code: string | undefined): { status: number; text: string; message: string } {
  if (code === "HPE_HEADER_OVERFLOW") return { status: 431, text: "Request Header Fields Too Large", message: `The request headers are larger than ${MAX_HEADER_BYTES / 1024} KB.` };
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return { status: 408, text: "Request Timeout", message: "The request was not sent in time." };
  return { status: 400, text: "Bad Request", message: "This is not a well-formed HTTP request." };
}

/** HTTP server: tRPC (batch + SSE subscriptions) under /trpc, the web app everywhere else. */
export function startHttpServer(services: Services, log: (line: string) => void = () => {}): Promise<RunningServer> {
  const { host, port, token } = services.config;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: MAX_BODY_BYTES,
    createContext: () => createContext(services),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") log(`Error in ${path ?? "request"}: ${error.cause?.stack ?? error.stack ?? error.message}`);
    },
  });
  // Known once the socket listens (port 0 picks one).
  let hosts = new Set<string>();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (req.rawHeaders.length / 2 >= MAX_HEADERS) return refuse(res, { status: 431, message: `The request has more than ${MAX_HEADERS} headers.\n` });
    const hostRefusal = checkHost(req.rawHeaders, hosts);
    if (hostRefusal) return refuse(res, hostRefusal);
    // Only origin-form targets ("/path?query"); "http://…", "*" and the like are not for this server.
    const target = req.url ?? "";
    if (!target.startsWith("/") || target.startsWith("//")) return refuse(res, { status: 400, message: "Bad request target: Keyflow expects a path such as /trpc/… or /.\n" });
    let url: URL;
    try {
      url = new URL(target, "http://localhost");
    } catch {
      return refuse(res, { status: 400, message: "Bad request target: the path could not be read as a URL.\n" });
    }
    if (isWorkerRoute(url)) return serveWorkerCandles(req, res, url, services);
    if (!authorize(req, res, url, token)) return;
    if (url.pathname === "/trpc" || url.pathname.startsWith("/trpc/")) {
      const apiRefusal = checkApiRequest(req.method, req.headers, hosts);
      if (apiRefusal) return refuse(res, apiRefusal);
      if (req.method !== "POST") return trpc(req, res);
      // A change runs only once its whole body arrived: a cut-off request never reaches a procedure.
      readBody(req, MAX_BODY_BYTES, (body) => {
        if (body === "too-large") return refuse(res, { status: 413, message: `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.\n` });
        (req as IncomingMessage & { body?: string }).body = body;
        trpc(req, res);
      });
      return;
    }
    serveStatic(req, res, url);
  }

  /** The one guard: no request, however malformed, takes the process (and its bots) down. */
  function guarded(req: IncomingMessage, res: ServerResponse): void {
    // Stream errors (a client that vanished mid-body, a reset socket) end that request only.
    req.on("error", () => res.destroy());
    res.on("error", () => undefined);
    try {
      handle(req, res);
    } catch (e) {
      log(`Refused a request that failed before any route (${req.method ?? "?"}): ${e instanceof Error ? e.message : String(e)}`);
      try {
        refuse(res, { status: 400, message: "Keyflow could not read this request.\n" });
      } catch {
        res.destroy();
      }
    }
  }

  const server = createServer(
    // Timeouts are checked every second (Node's default, 30 s, lets a slow client hold a socket far longer).
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    guarded,
  );
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (err as { code?: string }).code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const a = clientErrorAnswer(err.code);
    const body = `${a.message}\n`;
    socket.end(`HTTP/1.1 ${a.status} ${a.text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  // SSE streams stay open; keep-alive sockets must not hold up shutdown.
  server.keepAliveTimeout = 5000;
  server.maxHeadersCount = MAX_HEADERS;

  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "EADDRINUSE" ? new Error(`Port ${port} on ${host} is in use: stop the other program or set KEYFLOW_PORT to another port.`) : e);
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      hosts = allowedHosts(host, address.port, services.config.allowedHosts);
      const shownHost = host.includes(":") ? `[${host}]` : host;
      const url = `http://${shownHost}:${address.port}`;
      resolve({
        server,
        url,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            // Open SSE streams would keep the server alive; end them after a moment.
            setTimeout(() => server.closeAllConnections(), 1000).unref();
          }),
      });
    });
  });
}
