import { TIMEFRAME_MS, type Timeframe } from "../flow/schema";
import { allocCandles, type Candles } from "./candles";

export interface DemoCandlesOptions {
  /** Same seed (and the other options) → the same candles, bit for bit. */
  seed: number;
  timeframe: Timeframe;
  /** Unix ms of the first candle's open (rounded down to the timeframe). */
  start: number;
  bars: number;
  /** Price of the first open; default 20,000. */
  startPrice?: number;
}

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for synthetic markets, fully deterministic. */
export function mulberry32(seed: number): () => number {
  // State in a typed array: a closure variable above 2^30 would be boxed on every call.
  const state = new Uint32Array([seed >>> 0]);
  return () => {
    const a = (state[0]! + 0x6d2b79f5) >>> 0;
    state[0] = a;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const YEAR_MS = 365 * 86_400_000;

/**
 * Market regimes, annualised. A regime lasts a few days to weeks (exponentially distributed) and
 * is followed by a random other one, so strategies see trends, ranges and storms in one history.
 */
const REGIMES = [
  { name: "uptrend", drift: 1.2, vol: 0.45, revert: 0, meanDays: 12 },
  { name: "downtrend", drift: -1.0, vol: 0.55, revert: 0, meanDays: 9 },
  { name: "range", drift: 0, vol: 0.3, revert: 60, meanDays: 10 },
  { name: "volatile", drift: 0, vol: 1.1, revert: 4, meanDays: 4 },
] as const;

/**
 * Relative activity per UTC hour: quiet Asian night, busier Europe, peak at the US open.
 * Scales both volume and volatility.
 */
const HOUR_ACTIVITY = Array.from({ length: 24 }, (_, h) => {
  const us = Math.exp(-((h - 14.5) ** 2) / 8);
  const eu = 0.6 * Math.exp(-((h - 8.5) ** 2) / 6);
  const asia = 0.35 * Math.exp(-((h - 1.5) ** 2) / 6);
  return 0.45 + us + eu + asia;
});

/**
 * Synthetic but plausible candles: geometric Brownian motion whose drift and volatility switch
 * between regimes, an intraday activity cycle, fat-ish tails, and volume that rises with activity
 * and with the size of the move. Open equals the previous close; low ≤ open, close ≤ high.
 * Prices are rounded to cents and volumes to 4 decimals, like a real exchange's ticks. Pure.
 */
export function generateDemoCandles(opts: DemoCandlesOptions): Candles {
  const tf = TIMEFRAME_MS[opts.timeframe];
  const n = Math.max(0, Math.floor(opts.bars));
  const c = allocCandles(n);
  const rand = mulberry32(opts.seed);
  // Box–Muller, using both values of each pair; 1 - u keeps log away from 0.
  const spare = new Float64Array([NaN]);
  const gauss = () => {
    const g = spare[0]!;
    if (g === g) {
      spare[0] = NaN;
      return g;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    spare[0] = r * Math.sin(a);
    return r * Math.cos(a);
  };

  const dt = tf / YEAR_MS;
  const sqrtDt = Math.sqrt(dt);
  const daily = tf >= 86_400_000;
  let time = Math.floor(opts.start / tf) * tf;
  let price = opts.startPrice ?? 20_000;
  let logPrice = Math.log(price);
  let regime = 0;
  let regimeLeft = 0;
  let anchor = logPrice;
  // Slow volume trend so months differ, like real markets.
  let volumeLevel = 0;

  for (let i = 0; i < n; i++) {
    if (regimeLeft <= 0) {
      regime = (regime + 1 + Math.floor(rand() * (REGIMES.length - 1))) % REGIMES.length;
      regimeLeft = -Math.log(1 - rand()) * REGIMES[regime]!.meanDays * 86_400_000;
      anchor = logPrice;
    }
    regimeLeft -= tf;
    const r = REGIMES[regime]!;
    const activity = daily ? 1 : HOUR_ACTIVITY[Math.floor((((time % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000)]!;
    const sigma = r.vol * Math.sqrt(activity);
    // Student-t-like tails: occasionally scale the shock up.
    const shock = gauss() * (rand() < 0.01 ? 3 : 1);
    const drift = r.drift - r.revert * (logPrice - anchor) - 0.5 * sigma * sigma;
    const ret = drift * dt + sigma * sqrtDt * shock;

    const open = price;
    logPrice += ret;
    const close = round2(Math.exp(logPrice));
    // Wicks: a Brownian bridge's excursion beyond the body is about |N|·σ·√dt / 2.
    const wick = sigma * sqrtDt * 0.5;
    // The excursions are tiny (|x| < 1e-2), so 1 + x + x²/2 stands in for exp(x).
    const up = Math.abs(gauss()) * wick;
    const down = -Math.abs(gauss()) * wick;
    let high = round2(Math.max(open, close) * (1 + up * (1 + 0.5 * up)));
    let low = round2(Math.min(open, close) * (1 + down * (1 + 0.5 * down)));
    if (high < Math.max(open, close)) high = Math.max(open, close);
    if (low > Math.min(open, close)) low = Math.min(open, close);

    volumeLevel = 0.999 * volumeLevel + 0.03 * gauss();
    const moveSize = Math.abs(ret) / (r.vol * sqrtDt);
    const baseVolume = 25 * (tf / 60_000);
    const volume = baseVolume * activity * (0.6 + 0.8 * moveSize) * Math.exp(volumeLevel + 0.35 * gauss());

    c.time[i] = time;
    c.open[i] = open;
    c.high[i] = high;
    c.low[i] = low;
    c.close[i] = close;
    c.volume[i] = Math.round(volume * 1e4) / 1e4;
    price = close;
    time += tf;
  }
  return c;
}

function round2(x: number): number {
  return Math.max(0.01, Math.round(x * 100) / 100);
}
