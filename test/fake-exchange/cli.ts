// `pnpm fake-exchange`: the loopback fake exchange with a year of realistic 1m candles for a few
// symbols, to try every Data page flow without a network. Prints how to start Keyflow against it.
import { parseArgs } from "node:util";
import { makeCandles, startFakeExchange } from "./server";
import type { Candle, FakeSymbol } from "./types";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8765" },
    days: { type: "string", default: "365" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write("pnpm fake-exchange [--port 8765] [--days 365]\n  A fake Binance on 127.0.0.1 serving BTC/USDT, ETH/USDT and SOL/USDT candles (1m and longer).\n");
  process.exit(0);
}
const port = Number(values.port);
const days = Number(values.days);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !(days > 0)) {
  process.stderr.write("--port must be a port number and --days a positive number.\n");
  process.exit(2);
}

const symbol = (base: string, tick: number, step: number): FakeSymbol => ({
  symbol: `${base}USDT`,
  baseAsset: base,
  quoteAsset: "USDT",
  tickSize: tick,
  minPrice: tick,
  maxPrice: 1_000_000,
  stepSize: step,
  minQty: step,
  maxQty: 9000,
  minNotional: 5,
});
const symbols = [symbol("BTC", 0.01, 0.00001), symbol("ETH", 0.01, 0.0001), symbol("SOL", 0.01, 0.001)];
const M = 60_000;
const DAY = 1440 * M;
// From midnight UTC `days` ago up to the current minute, so every longer candle starts whole.
const start = Math.floor(Date.now() / DAY) * DAY - Math.round(days) * DAY;
const count = (Math.floor(Date.now() / M) * M - start) / M;
// About 3 % a day, as the majors move; ETH has a 3-hour outage ten days ago (a gap to see on the Data page).
const candles: Record<string, Candle[]> = {
  BTCUSDT: makeCandles({ start, intervalMs: M, count, startPrice: 62_000, seed: 11, volatility: 0.0028 }),
  ETHUSDT: makeCandles({ start, intervalMs: M, count, startPrice: 3_100, seed: 12, volatility: 0.0034 }).filter((c) => c[0] < start + (count - 14_400) * M || c[0] >= start + (count - 14_220) * M),
  SOLUSDT: makeCandles({ start, intervalMs: M, count, startPrice: 145, seed: 13, volatility: 0.0045 }),
};
const fake = await startFakeExchange({ symbols, candles, interval: "1m", closedAtStart: count, port });
const urls = JSON.stringify({ binance: fake.url });
process.stdout.write(
  `Fake exchange (Binance dialect) on ${fake.url}: ${symbols.map((s) => `${s.baseAsset}/USDT`).join(", ")}, ${days} days of 1m candles (longer timeframes too).\n\n` +
    `Start Keyflow against it:\n  KEYFLOW_EXCHANGE_URLS='${urls}' pnpm start\n\nCtrl-C stops it.\n`,
);
const stop = async () => {
  await fake.close();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
