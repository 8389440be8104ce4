import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter } from "../router/root";
import { createContext, type Services } from "../trpc";
import { authorize } from "./auth";
import { serveStatic } from "./static";

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Big enough for a CSV import of a year of 1m candles. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

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

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!authorize(req, res, url, token)) return;
    if (url.pathname === "/trpc" || url.pathname.startsWith("/trpc/")) {
      trpc(req, res);
      return;
    }
    serveStatic(req, res, url);
  });
  // SSE streams stay open; keep-alive sockets must not hold up shutdown.
  server.keepAliveTimeout = 5000;

  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "EADDRINUSE" ? new Error(`Port ${port} on ${host} is in use: stop the other program or set KEYFLOW_PORT to another port.`) : e);
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
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
