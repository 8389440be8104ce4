// One loopback server per venue fake: generated keys in the venue's formats, the venue's signature
// check on every signed request, its permission endpoint and, where the dialect speaks it, markets,
// candles, balances and orders on the shared matching engine. Tests point ccxt's class of that exchange at it.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { bitgetDialect } from "./bitget";
import { bybitDialect } from "./bybit";
import { coinbaseDialect } from "./coinbase";
import { krakenDialect } from "./kraken";
import { kucoinDialect } from "./kucoin";
import { okxDialect } from "./okx";
import { BinanceReject, type MatchingEngine } from "../engine";
import type { FakeWs } from "../wsHub";
import { createMarket, type MarketOptions } from "../market";
import type { Candle } from "../types";
import { VenueBook } from "./book";
import { VenueReply, type VenueDialect, type VenueKey, type VenueKeyRights, type VenueRequest } from "./types";

export const VENUE_DIALECTS = { okx: okxDialect, bybit: bybitDialect, kucoin: kucoinDialect, bitget: bitgetDialect, kraken: krakenDialect, coinbase: coinbaseDialect } as const;
export type VenueId = keyof typeof VENUE_DIALECTS;

const ALL: VenueKeyRights = { read: true, trade: true, withdraw: false, ipWhitelist: true, demo: false };
/** trade: read + trade with an IP whitelist, the key Keyflow wants. */
export const BUILTIN_VENUE_KEYS = {
  trade: {},
  readOnly: { trade: false },
  withdraw: { withdraw: true },
  noIpWhitelist: { ipWhitelist: false },
} satisfies Record<string, Partial<VenueKeyRights>>;

export interface VenueFake {
  venue: VenueDialect;
  url: string;
  keys: Record<keyof typeof BUILTIN_VENUE_KEYS | string, VenueKey>;
  /** The account's order book (the same engine as Binance's fake). */
  engine: MatchingEngine;
  /** Closes the next candle of every stream, filling orders against it (and publishes it on the websocket side). */
  advance(n?: number): Candle[];
  /** The venue's websocket side, where its dialect has one (see VenueDialect.ws). */
  ws: FakeWs | undefined;
  /** Fractions of the order's quantity filled on successive matching candles, by client order id. */
  scriptFills(clientOrderId: string, fractions: number[]): void;
  /** Every request: method, path, the API key that signed it (public requests: undefined) and HTTP status answered. */
  requests: { method: string; path: string; apiKey: string | undefined; status: number }[];
  close(): Promise<void>;
}

export interface VenueFakeOptions extends MarketOptions {
  keys?: Record<string, Partial<VenueKeyRights>>;
}

/** The route of a request: its exact "METHOD /path" entry, else one whose {name} segments match (their values go to req.params). */
function routeOf<T>(table: Record<string, T> | undefined, req: VenueRequest): T | undefined {
  if (!table) return undefined;
  const exact = table[`${req.method} ${req.path}`];
  if (exact) return exact;
  const segments = req.path.split("/");
  for (const [name, route] of Object.entries(table)) {
    const [method, path = ""] = name.split(" ");
    const pattern = path.split("/");
    if (method !== req.method || !path.includes("{") || pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (pattern.every((p, i) => (p.startsWith("{") && p.endsWith("}") ? ((params[p.slice(1, -1)] = decodeURIComponent(segments[i]!)), true) : p === segments[i]))) {
      req.params = params;
      return route;
    }
  }
  return undefined;
}

export async function startVenueFake(id: VenueId, opts: VenueFakeOptions = {}): Promise<VenueFake> {
  const venue: VenueDialect = VENUE_DIALECTS[id];
  const { engine, interval, intervalMs } = createMarket({ feesInQuote: venue.feesInQuote, ...opts }, Date.now);
  const book = new VenueBook(engine, interval, intervalMs, venue.instId ?? ((s) => s.symbol));
  const keys: Record<string, VenueKey> = {};
  const verifyKeys = new Map<string, string>();
  for (const [name, rights] of Object.entries({ ...BUILTIN_VENUE_KEYS, ...(opts.keys ?? {}) })) {
    const { secret, verifyWith } = venue.makeSecret();
    const apiKey = venue.makeApiKey(name);
    keys[name] = { apiKey, secret, passphrase: venue.needsPassphrase ? `Pass-${randomBytes(6).toString("hex")}!` : undefined, ...ALL, ...rights };
    if (verifyWith) verifyKeys.set(apiKey, verifyWith);
  }
  const byApiKey = new Map(Object.values(keys).map((k) => [k.apiKey, k]));
  const requests: VenueFake["requests"] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawUrl = req.url ?? "/";
      const q = rawUrl.indexOf("?");
      const r: VenueRequest = {
        method: req.method ?? "GET",
        path: q < 0 ? rawUrl : rawUrl.slice(0, q),
        rawQuery: q < 0 ? "" : rawUrl.slice(q + 1),
        body: Buffer.concat(chunks).toString("utf8"),
        headers: req.headers,
        params: {},
        now: Date.now(),
      };
      let status = 200;
      let body: unknown;
      let signer: VenueKey | undefined;
      try {
        const publicRoute = routeOf(venue.publicRoutes, r);
        const route = routeOf(venue.routes, r);
        if (publicRoute) body = publicRoute(r, book);
        else if (route) {
          signer = venue.authenticate(r, byApiKey, verifyKeys);
          body = route(signer, r, book);
        } else throw venue.notFound(r);
      } catch (e) {
        const reply = e instanceof BinanceReject && venue.engineReject ? venue.engineReject(e, r) : e;
        if (!(reply instanceof VenueReply)) throw e;
        status = reply.status;
        body = reply.body;
      }
      requests.push({ method: r.method, path: r.path, apiKey: signer?.apiKey, status });
      if (r.method !== "GET") ws?.publish();
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json" });
      res.end(text);
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const ws = venue.ws?.(server, { engine, book, keys: byApiKey, verifyKeys, interval, intervalMs, now: Date.now });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    venue,
    url: `http://127.0.0.1:${port}`,
    keys,
    engine,
    advance: (n = 1) => {
      const closed = engine.advanceBy(n);
      ws?.publish();
      return closed;
    },
    ws,
    scriptFills(clientOrderId, fractions) {
      book.fillScripts.set(clientOrderId, fractions);
    },
    requests,
    async close() {
      ws?.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
