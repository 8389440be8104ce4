import { afterEach, describe, expect, it } from "vitest";
import type { Candles } from "@keyflow/core";
import { makeCandles } from "../../../test/fake-exchange/index";
import { downloadPages, DownloadError, type PageReport } from "./candleDownload";
import { virtualClock } from "./clock";
import { Retrier } from "./retry";
import { harness, type Harness } from "./testing/fake";

const M = 60_000;
const T0 = Date.UTC(2024, 4, 1);
const COUNT = 3500;
// Minutes 2000–2009 are missing (an outage on the exchange).
const CANDLES = makeCandles({ start: T0, intervalMs: M, count: COUNT, seed: 9 }).filter((_, i) => i < 2000 || i >= 2010);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const retrier = () => new Retrier({ clock: virtualClock(Date.now()) });
const times = (pages: PageReport[]) => pages.flatMap((p) => Array.from((p.candles as Candles).time));

describe("downloadPages", () => {
  it("pages forward from `from` to `end`, each candle once, reporting the gap where it is", async () => {
    h = await harness({ candles: { BTCUSDT: CANDLES }, closedAtStart: CANDLES.length });
    const ex = h.connect();
    const pages: PageReport[] = [];
    const last = await downloadPages(ex, { symbol: "BTC/USDT", timeframe: "1m", from: T0 + 100 * M, end: T0 + 3200 * M }, { retrier: retrier(), store: (p) => pages.push(p) });
    const got = times(pages);
    expect(got).toEqual(CANDLES.map((c) => c[0]).filter((t) => t >= T0 + 100 * M && t < T0 + 3200 * M));
    expect(last).toBe(T0 + 3199 * M);
    expect(pages.flatMap((p) => p.gaps)).toEqual([{ after: T0 + 1999 * M, before: T0 + 2010 * M, missing: 10 }]);
    // The next page is asked for while one is stored, but never one past the end.
    expect(h.fake.stats.count({ path: "/api/v3/klines" })).toBe(pages.length);
  });

  it("finds a hole at the join to the stored candle before `from`", async () => {
    h = await harness({ candles: { BTCUSDT: CANDLES }, closedAtStart: CANDLES.length });
    const pages: PageReport[] = [];
    await downloadPages(h.connect(), { symbol: "BTC/USDT", timeframe: "1m", from: T0 + 10 * M, end: T0 + 20 * M, prev: T0 + 5 * M }, { retrier: retrier(), store: (p) => pages.push(p) });
    expect(pages[0]!.gaps[0]).toEqual({ after: T0 + 5 * M, before: T0 + 10 * M, missing: 4 });
  });

  it("refuses a symbol the exchange does not list, before asking for candles", async () => {
    h = await harness({ candles: { BTCUSDT: CANDLES }, closedAtStart: CANDLES.length });
    await expect(downloadPages(h.connect(), { symbol: "NOPE/USDT", timeframe: "1m", from: T0, end: T0 + M }, { retrier: retrier(), store: () => undefined })).rejects.toThrow(DownloadError);
    expect(h.fake.stats.count({ path: "/api/v3/klines" })).toBe(0);
  });

  it("a cancel ends the download at once, even while the exchange never answers", async () => {
    h = await harness({ candles: { BTCUSDT: CANDLES }, closedAtStart: CANDLES.length });
    // A minute-long request timeout: without the abort the test would outlive its own timeout.
    const ex = h.connect({ timeoutMs: 60_000 });
    const abort = new AbortController();
    const stored: PageReport[] = [];
    const run = downloadPages(ex, { symbol: "BTC/USDT", timeframe: "1m", from: T0, end: T0 + COUNT * M }, {
      retrier: retrier(),
      signal: abort.signal,
      store: (p) => {
        stored.push(p);
        if (stored.length === 1) {
          h!.fake.faults.inject({ kind: "timeout" }, { path: "/api/v3/klines", times: 10 });
          setTimeout(() => abort.abort(new Error("cancelled")), 50);
        }
      },
    });
    await expect(run).rejects.toThrow("cancelled");
    expect(stored).toHaveLength(1);
  });
});
