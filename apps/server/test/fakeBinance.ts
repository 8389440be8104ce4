import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeBinance {
  url: string;
  requests: { path: string; query: URLSearchParams; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

export interface FakeBinanceOptions {
  /** Open times (unix ms) of the candles the fake has, ascending. */
  times: number[];
  intervalMs: number;
  /** 1-based numbers of /klines requests answered with 429 + Retry-After. */
  rateLimitOn?: number[];
  retryAfterSeconds?: number;
  maxLimit?: number;
}

/** Binance spot REST, just enough for ccxt's loadMarkets and fetchOHLCV: exchangeInfo and klines. */
export async function startFakeBinance(opts: FakeBinanceOptions): Promise<FakeBinance> {
  const requests: FakeBinance["requests"] = [];
  let klineRequests = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/api/v3/exchangeInfo") {
      return json(200, {
        timezone: "UTC",
        serverTime: Date.now(),
        rateLimits: [],
        exchangeFilters: [],
        symbols: [
          {
            symbol: "BTCUSDT",
            status: "TRADING",
            baseAsset: "BTC",
            baseAssetPrecision: 8,
            quoteAsset: "USDT",
            quotePrecision: 8,
            quoteAssetPrecision: 8,
            orderTypes: ["LIMIT", "MARKET"],
            icebergAllowed: true,
            ocoAllowed: true,
            isSpotTradingAllowed: true,
            isMarginTradingAllowed: false,
            filters: [
              { filterType: "PRICE_FILTER", minPrice: "0.01", maxPrice: "1000000.00", tickSize: "0.01" },
              { filterType: "LOT_SIZE", minQty: "0.00001", maxQty: "9000.00", stepSize: "0.00001" },
            ],
            permissions: ["SPOT"],
            permissionSets: [["SPOT"]],
          },
        ],
      });
    }
    if (url.pathname === "/api/v3/klines") {
      klineRequests++;
      if (opts.rateLimitOn?.includes(klineRequests)) {
        return json(429, { code: -1003, msg: "Too many requests; current limit is 6000 request weight per 1 MINUTE." }, { "retry-after": String(opts.retryAfterSeconds ?? 1) });
      }
      if (url.searchParams.get("symbol") !== "BTCUSDT") return json(400, { code: -1121, msg: "Invalid symbol." });
      const start = Number(url.searchParams.get("startTime") ?? 0);
      const end = Number(url.searchParams.get("endTime") ?? Infinity);
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 500), opts.maxLimit ?? 1000);
      const rows = opts.times
        .filter((t) => t >= start && t <= end)
        .slice(0, limit)
        .map((t) => {
          const p = 100 + (t / opts.intervalMs) % 50;
          return [t, p.toFixed(2), (p + 2).toFixed(2), (p - 1).toFixed(2), (p + 1).toFixed(2), "12.5", t + opts.intervalMs - 1, "1250.0", 42, "6.0", "600.0", "0"];
        });
      return json(200, rows);
    }
    json(404, { code: -1, msg: `fake binance has no ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
