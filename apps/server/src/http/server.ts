import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter } from "../router/root";
import { createContext, type Services } from "../trpc";
import { authorize } from "./auth";
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
/** A client must send its headers within this time (slow-loris). */
const HEADERS_TIMEOUT_MS = 15_000;
/** …and its whole request (a large CSV upload on loopback takes well under this). */
const REQUEST_TIMEOUT_MS = 120_000;

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
    const hostRefusal = checkHost(req.headers, hosts);
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
    if (!authorize(req, res, url, token)) return;
    if (url.pathname === "/trpc" || url.pathname.startsWith("/trpc/")) {
      const apiRefusal = checkApiRequest(req.method, req.headers, hosts);
      if (apiRefusal) return refuse(res, apiRefusal);
      trpc(req, res);
      return;
    }
    serveStatic(req, res, url);
  }

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    // Stream errors (a client that vanished mid-body, a reset socket) end that request only.
    req.on("error", () => res.destroy());
    res.on("error", () => undefined);
    try {
      handle(req, res);
    } catch (e) {
      // The one guard: no request, however malformed, takes the process (and its bots) down.
      log(`Refused a request that failed before any route (${req.method ?? "?"}): ${e instanceof Error ? e.message : String(e)}`);
      try {
        refuse(res, { status: 400, message: "Keyflow could not read this request.\n" });
      } catch {
        res.destroy();
      }
    }
  });
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
