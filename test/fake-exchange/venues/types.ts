// Shapes shared by the venue fakes: loopback servers that speak one exchange's signing scheme and its
// key-permission endpoint well enough for ccxt's own class of that exchange.
import type { IncomingHttpHeaders, Server } from "node:http";
import type { BinanceReject, MatchingEngine } from "../engine";
import type { FakeWs } from "../wsHub";
import type { FakeSymbol } from "../types";
import type { VenueBook } from "./book";

/** What a fake key may do. */
export interface VenueKeyRights {
  read: boolean;
  trade: boolean;
  withdraw: boolean;
  /** The key is restricted to listed IP addresses. */
  ipWhitelist: boolean;
  /** A demo-trading key (OKX): the venue answers it only in its demo environment, and a real key only outside it. */
  demo: boolean;
}

export interface VenueKey extends VenueKeyRights {
  apiKey: string;
  secret: string;
  /** The passphrase chosen at creation (OKX, KuCoin, Bitget); undefined where the venue has none. */
  passphrase: string | undefined;
}

export interface VenueRequest {
  method: string;
  /** Path without the query, e.g. "/api/v5/account/config". */
  path: string;
  /** Values of the route's {name} segments ("/api/v1/hf/orders/{orderId}"). */
  params: Record<string, string>;
  /** The query string as sent, without "?". */
  rawQuery: string;
  body: string;
  headers: IncomingHttpHeaders;
  /** Server clock, ms. */
  now: number;
}

/** An answer the venue gives instead of the route's: an auth failure, a rejection. */
export class VenueReply extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

export interface VenueDialect {
  /** The ccxt exchange id this fake speaks to. */
  id: string;
  needsPassphrase: boolean;
  /** The venue charges every commission in the quote asset (Coinbase); others in the asset received. */
  feesInQuote?: boolean;
  /** Makes a secret in the venue's format (hex, base64, a PEM private key). */
  makeSecret(): { secret: string; verifyWith?: string };
  /** Makes an API key id in the venue's format. */
  makeApiKey(name: string): string;
  /** Finds the signing key and checks signature, passphrase and timestamp like the venue; throws VenueReply. */
  authenticate(req: VenueRequest, keys: ReadonlyMap<string, VenueKey>, verifyKeys: ReadonlyMap<string, string>): VenueKey;
  /** Signed routes by "METHOD /path" (a {name} segment matches any one segment); the answer body on success. */
  routes: Record<string, (key: VenueKey, req: VenueRequest, book: VenueBook) => unknown>;
  /** Unsigned routes (markets, candles, server time) by "METHOD /path". */
  publicRoutes?: Record<string, (req: VenueRequest, book: VenueBook) => unknown>;
  /** The venue's instrument id of a symbol; the fake trades only where this is given. */
  instId?: (s: FakeSymbol) => string;
  /** The venue's answer to an engine rejection (insufficient balance, unknown order, filter failure). */
  engineReject?: (e: BinanceReject, req: VenueRequest) => VenueReply;
  /** The venue's answer for an unknown route. */
  notFound(req: VenueRequest): VenueReply;
  /**
   * The venue's websocket side on the fake's HTTP server (ccxt's websocket URLs are redirected to it by
   * host: `wss://ws.okx.com:8443/ws/v5/public` → `ws://127.0.0.1:port/ws.okx.com:8443/ws/v5/public`),
   * built on wsHub.ts and engineEvents.ts. Venues without one are polled.
   */
  ws?: (server: Server, ctx: VenueWsContext) => FakeWs;
}

/** What a venue's websocket side reads: the account's engine and book, the keys, the clock. */
export interface VenueWsContext {
  engine: MatchingEngine;
  book: VenueBook;
  /** Keys by API key id, and the public halves of keys the venue verifies asymmetrically. */
  keys: ReadonlyMap<string, VenueKey>;
  verifyKeys: ReadonlyMap<string, string>;
  interval: string;
  intervalMs: number;
  now: () => number;
}

export const header = (req: VenueRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};
