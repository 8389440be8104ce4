// Behaviour every indicator shares: NaN inputs are ignored without advancing state, so that
// indicators can be chained on each other's warming-up outputs.
import { describe, expect, it } from "vitest";
import * as indicators from "./index";
import {
  Adx, Atr, Bbands, Cci, Cmf, Dema, Donchian, Ema, Highest, Hma, Ichimoku, Kama, Keltner, LinRegSlope, Lowest, Macd, Mfi, Obv,
  PercentRank, Roc, Rsi, Sar, Sma, StdDev, Stoch, StochRsi, SuperTrend, Tema, Vwap, WillR, Wma,
} from "./index";
import { expectSeries, refEma, refRsi, refSma, stream, syntheticCandles } from "./reference.test-helpers";

type Bar = { t: number; o: number; h: number; l: number; c: number; v: number };
type Field = "t" | "h" | "l" | "c" | "v";
interface Case {
  name: string;
  /** The bar fields the indicator reads; a NaN bar spoils one of these. */
  reads: readonly Field[];
  make: () => { update: (...args: number[]) => number; readonly warmup: number };
  feed: (ind: { update: (...args: number[]) => number }, b: Bar) => number;
}

const single = (b: Bar) => b.c;
const cases: Case[] = [
  { name: "Sma(5)", reads: ["c"], make: () => new Sma(5), feed: (i, b) => i.update(single(b)) },
  { name: "Ema(5)", reads: ["c"], make: () => new Ema(5), feed: (i, b) => i.update(single(b)) },
  { name: "Wma(5)", reads: ["c"], make: () => new Wma(5), feed: (i, b) => i.update(single(b)) },
  { name: "Rsi(5)", reads: ["c"], make: () => new Rsi(5), feed: (i, b) => i.update(single(b)) },
  { name: "Macd(3,6,4)", reads: ["c"], make: () => new Macd(3, 6, 4), feed: (i, b) => i.update(single(b)) },
  { name: "Bbands(5,2)", reads: ["c"], make: () => new Bbands(5, 2), feed: (i, b) => i.update(single(b)) },
  { name: "Roc(5)", reads: ["c"], make: () => new Roc(5), feed: (i, b) => i.update(single(b)) },
  { name: "Highest(5)", reads: ["c"], make: () => new Highest(5), feed: (i, b) => i.update(single(b)) },
  { name: "Lowest(5)", reads: ["c"], make: () => new Lowest(5), feed: (i, b) => i.update(single(b)) },
  { name: "Atr(5)", reads: ["h", "l", "c"], make: () => new Atr(5), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "Stoch(5,3,3)", reads: ["h", "l", "c"], make: () => new Stoch(5, 3, 3), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "Adx(5)", reads: ["h", "l", "c"], make: () => new Adx(5), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "Obv", reads: ["c", "v"], make: () => new Obv(), feed: (i, b) => i.update(b.c, b.v) },
  { name: "Vwap(session)", reads: ["t", "h", "l", "c", "v"], make: () => new Vwap("session"), feed: (i, b) => i.update(b.t, b.h, b.l, b.c, b.v) },
  { name: "Vwap(rolling 5)", reads: ["t", "h", "l", "c", "v"], make: () => new Vwap("rolling", 5), feed: (i, b) => i.update(b.t, b.h, b.l, b.c, b.v) },
  { name: "StdDev(5)", reads: ["c"], make: () => new StdDev(5), feed: (i, b) => i.update(single(b)) },
  { name: "Dema(4)", reads: ["c"], make: () => new Dema(4), feed: (i, b) => i.update(single(b)) },
  { name: "Tema(4)", reads: ["c"], make: () => new Tema(4), feed: (i, b) => i.update(single(b)) },
  { name: "Kama(5)", reads: ["c"], make: () => new Kama(5), feed: (i, b) => i.update(single(b)) },
  { name: "Hma(9)", reads: ["c"], make: () => new Hma(9), feed: (i, b) => i.update(single(b)) },
  { name: "StochRsi(5,3,3)", reads: ["c"], make: () => new StochRsi(5, 3, 3), feed: (i, b) => i.update(single(b)) },
  { name: "LinRegSlope(5)", reads: ["c"], make: () => new LinRegSlope(5), feed: (i, b) => i.update(single(b)) },
  { name: "PercentRank(5)", reads: ["c"], make: () => new PercentRank(5), feed: (i, b) => i.update(single(b)) },
  { name: "WillR(5)", reads: ["h", "l", "c"], make: () => new WillR(5), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "Cci(5)", reads: ["h", "l", "c"], make: () => new Cci(5), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "Keltner(5,3,2)", reads: ["h", "l", "c"], make: () => new Keltner(5, 3, 2), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "SuperTrend(5,2)", reads: ["h", "l", "c"], make: () => new SuperTrend(5, 2), feed: (i, b) => i.update(b.h, b.l, b.c) },
  { name: "Donchian(5)", reads: ["h", "l"], make: () => new Donchian(5), feed: (i, b) => i.update(b.h, b.l) },
  { name: "Sar(0.02,0.2)", reads: ["h", "l"], make: () => new Sar(0.02, 0.2), feed: (i, b) => i.update(b.h, b.l) },
  { name: "Ichimoku(3,5,7,4)", reads: ["h", "l"], make: () => new Ichimoku(3, 5, 7, 4), feed: (i, b) => i.update(b.h, b.l) },
  { name: "Mfi(5)", reads: ["h", "l", "c", "v"], make: () => new Mfi(5), feed: (i, b) => i.update(b.h, b.l, b.c, b.v) },
  { name: "Cmf(5)", reads: ["h", "l", "c", "v"], make: () => new Cmf(5), feed: (i, b) => i.update(b.h, b.l, b.c, b.v) },
];

const s = syntheticCandles(400, 3);
const bars: Bar[] = Array.from(s.close, (_, i) => ({
  t: s.time[i]!, o: s.open[i]!, h: s.high[i]!, l: s.low[i]!, c: s.close[i]!, v: s.volume[i]!,
}));

/** The bars with NaN bars spliced in: 3 at the start, then one every 7 bars, each spoiling a
 * different one of the fields the indicator reads, so every input's NaN check is exercised. */
function withNanBars(reads: readonly Field[]): { bars: Bar[]; isNan: boolean[] } {
  const out: Bar[] = [];
  const isNan: boolean[] = [];
  let k = 0;
  const spoil = (template: Bar): Bar => {
    const b: Bar = { ...template };
    b[reads[k % reads.length]!] = NaN;
    k++;
    return b;
  };
  for (let i = 0; i < 3; i++) {
    out.push(spoil(bars[i]!));
    isNan.push(true);
  }
  bars.forEach((b, i) => {
    out.push(b);
    isNan.push(false);
    if (i % 7 === 3) {
      out.push(spoil(bars[i + 1] ?? b));
      isNan.push(true);
    }
  });
  return { bars: out, isNan };
}

describe("every indicator", () => {
  it("is exported from index.ts", () => {
    expect(Object.keys(indicators).sort()).toEqual(
      [
        "Adx", "Atr", "Bbands", "Cci", "Cmf", "Delay", "Dema", "Donchian", "Ema", "Highest", "Hma", "Ichimoku", "Kama", "Keltner",
        "LinRegSlope", "Lowest", "Macd", "Mfi", "Obv", "PercentRank", "Roc", "Rsi", "Sar", "Sma", "StdDev", "Stoch", "StochRsi",
        "Streak", "SuperTrend", "Tema", "Vwap", "WillR", "Wma", "emaCode", "rsiCode", "smaCode",
      ],
    );
  });

  for (const cse of cases) {
    it(`${cse.name} ignores NaN inputs: same outputs as without those bars`, () => {
      const clean = cse.make();
      const expected = bars.map((b) => cse.feed(clean, b));
      const holey = withNanBars(cse.reads);
      const ind = cse.make();
      let prev = NaN;
      let j = 0;
      for (let i = 0; i < holey.bars.length; i++) {
        const out = cse.feed(ind, holey.bars[i]!);
        if (holey.isNan[i]) {
          // A NaN bar returns the current value unchanged (NaN while warming up).
          expect(Object.is(out, prev), `${cse.name} at NaN bar ${i}: ${out} vs ${prev}`).toBe(true);
        } else {
          expect(Object.is(out, expected[j]), `${cse.name} at bar ${j}: ${out} vs ${expected[j]}`).toBe(true);
          j++;
        }
        prev = out;
      }
      // and warm-up counts only the bars actually consumed
      const firstOut = expected.findIndex((x) => !Number.isNaN(x));
      expect(firstOut).toBe(clean.warmup - 1);
    });
  }
});

describe("chained indicators", () => {
  it("EMA(5) of RSI(14) warms up at index 14 + 5 - 1 = 18 and equals the EMA of the RSI values", () => {
    const closes = s.close;
    const rsi = new Rsi(14);
    const ema = new Ema(5);
    const out = stream(closes.length, (i) => ema.update(rsi.update(closes[i]!)));
    const rsiRef = refRsi(closes, 14);
    const emaOfTail = refEma(rsiRef.slice(14), 5);
    const expected = [...new Array<number>(14).fill(NaN), ...emaOfTail];
    expectSeries(out, expected, rsi.warmup + ema.warmup - 2, "Ema(5) ∘ Rsi(14)");
    expect(rsi.warmup + ema.warmup - 2).toBe(18);
  });

  it("SMA(3) of ROC(4) warms up at index 4 + 3 - 1 = 6", () => {
    const roc = new Roc(4);
    const sma = new Sma(3);
    const out = stream(s.close.length, (i) => sma.update(roc.update(s.close[i]!)));
    const rocRef = Array.from(s.close, (x, i) => (i < 4 ? NaN : (100 * (x - s.close[i - 4]!)) / s.close[i - 4]!));
    const expected = [...new Array<number>(4).fill(NaN), ...refSma(rocRef.slice(4), 3)];
    expectSeries(out, expected, 6, "Sma(3) ∘ Roc(4)");
  });
});
