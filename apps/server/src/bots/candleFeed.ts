// Closed candles for a bot: paged from the exchange's fetchOHLCV, topped up from the candle store
// when the exchange's history is shorter than the warm-up.
import { TIMEFRAME_MS, type Bar, type Market } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import type { Retrier } from "@keyflow/exchange";
import type { Exchange } from "ccxt";

const PAGE = 1000;

export class CandleFeed {
  readonly tf: number;
  /**
   * Candles asked for per request: ours, or fewer where ccxt says the exchange serves fewer
   * (features.spot.fetchOHLCV.limit: OKX 300, Bitget 200). ccxt's bitget, asked for more than 200 old
   * candles, serves the END of the window asked for, which would skip the rest.
   */
  private readonly page: number;

  constructor(
    private readonly exchange: Exchange,
    private readonly retrier: Retrier,
    private readonly market: Market,
    private readonly now: () => number = Date.now,
  ) {
    this.tf = TIMEFRAME_MS[market.timeframe];
    const most = (exchange.features as { spot?: { fetchOHLCV?: { limit?: unknown } } } | undefined)?.spot?.fetchOHLCV?.limit;
    this.page = typeof most === "number" && most > 0 ? Math.min(PAGE, most) : PAGE;
  }

  /** A candle is closed once its whole span lies in the past (the exchange's forming candle is dropped). */
  private closed(rows: number[][]): Bar[] {
    const now = this.now();
    const out: Bar[] = [];
    for (const r of rows) {
      const [time, open, high, low, close, volume] = r as [number, number, number, number, number, number];
      if (time + this.tf > now) continue;
      if (![open, high, low, close].every(Number.isFinite)) continue;
      out.push({ time, open, high, low, close, volume: Number.isFinite(volume) ? volume : 0 });
    }
    return out;
  }

  private fetch(since: number | undefined, limit: number): Promise<number[][]> {
    const { symbol, timeframe } = this.market;
    return this.retrier.call(this.exchange, `fetchOHLCV ${symbol} ${timeframe}`, () => this.exchange.fetchOHLCV(symbol, timeframe, since, limit) as Promise<number[][]>, {
      idempotent: true,
    });
  }

  /** Open time of the newest candle that can be closed now. */
  private newestClosable(): number {
    return Math.floor(this.now() / this.tf) * this.tf - this.tf;
  }

  /** Closed candles with time ≥ since, oldest first, paging forward until the newest closed one. */
  since(since: number, maxBars = 100_000): Promise<Bar[]> {
    return this.forward(since, Infinity, maxBars);
  }

  /** Closed candles in [from, to), oldest first. */
  async range(from: number, to: number): Promise<Bar[]> {
    if (to <= from) return [];
    return (await this.forward(from, to, Math.ceil((to - from) / this.tf) + 1)).filter((b) => b.time < to);
  }

  /**
   * Pages forward from `from` until a page reaches `to`, the newest closed candle, or nothing newer (an
   * empty page). Pages end where the exchange ends them, so a page shorter than asked is no sign of the
   * present.
   */
  private async forward(from: number, to: number, maxBars: number): Promise<Bar[]> {
    const out: Bar[] = [];
    const end = Math.min(to, this.newestClosable() + this.tf);
    while (from < end && out.length < maxBars) {
      const rows = await this.fetch(from, this.page);
      const bars = this.closed(rows).filter((b) => b.time >= from && (out.length === 0 || b.time > out[out.length - 1]!.time));
      if (bars.length === 0) break;
      out.push(...bars);
      from = out[out.length - 1]!.time + this.tf;
    }
    return out;
  }

  /** The newest `n` closed candles, oldest first. */
  async latest(n: number): Promise<Bar[]> {
    const rows = await this.fetch(undefined, Math.min(this.page, n + 1));
    let bars = this.closed(rows);
    // Fewer than asked: the exchange's page may be shorter than ours (OKX: 300), so ask for the older ones.
    if (bars.length > 0 && n > bars.length) {
      const first = bars[0]!.time;
      const older = await this.range(first - (n - bars.length) * this.tf, first);
      bars = [...older, ...bars];
    }
    return bars.slice(-n);
  }
}

/** Stored candles of the market before `before` (at most n), to lengthen a short exchange history. */
export function storedBefore(db: KeyflowDb, market: Market, before: number, n: number): Bar[] {
  if (n <= 0) return [];
  const series = db.candles.find(market);
  if (!series || series.count === 0) return [];
  const tf = TIMEFRAME_MS[market.timeframe];
  const c = db.candles.read(series.id, { from: before - n * tf, to: before });
  const out: Bar[] = [];
  for (let i = 0; i < c.length; i++) out.push({ time: c.time[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! });
  return out;
}
