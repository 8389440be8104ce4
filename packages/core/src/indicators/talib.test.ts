// The new indicators against TA-Lib itself. test/fixtures/talib-golden.json holds the outputs of
// TA-Lib's C functions (the 0.6.0-dev source bundled in the npm package talib 2.0.5, compiled and
// called over the whole series, default settings, no unstable period) on syntheticCandles(150, 2026).
// Each series starts at TA-Lib's outBegIdx: our first output must be on the same bar.
import { describe, expect, it } from "vitest";
import golden from "../../test/fixtures/talib-golden.json";
import { Cci, Dema, Kama, LinRegSlope, Mfi, Sar, StdDev, StochRsi, Tema, WillR } from "./index";
import { syntheticCandles } from "./reference.test-helpers";

const s = syntheticCandles(150, 2026);
const n = s.close.length;
type Make = () => (i: number) => number;

const p = (name: string) => Number(/\((\d+)\)/.exec(name)![1]);
function caseOf(name: string): Make {
  const fn = name.slice(0, name.indexOf("("));
  const close = (make: () => { update(x: number): number }): Make => () => {
    const x = make();
    return (i) => x.update(s.close[i]!);
  };
  const hlc = (make: () => { update(h: number, l: number, c: number): number }): Make => () => {
    const x = make();
    return (i) => x.update(s.high[i]!, s.low[i]!, s.close[i]!);
  };
  switch (fn) {
    case "DEMA": return close(() => new Dema(p(name)));
    case "TEMA": return close(() => new Tema(p(name)));
    case "KAMA": return close(() => new Kama(p(name)));
    case "STDDEV": return close(() => new StdDev(p(name)));
    case "LINEARREG_SLOPE": return close(() => new LinRegSlope(p(name)));
    case "CCI": return hlc(() => new Cci(p(name)));
    case "WILLR": return hlc(() => new WillR(p(name)));
    case "MFI": return () => {
      const x = new Mfi(p(name));
      return (i) => x.update(s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
    };
    case "STOCHRSI": return () => {
      const [r, k, d] = /\((\d+),(\d+),(\d+)\)/.exec(name)!.slice(1).map(Number);
      const x = new StochRsi(r!, k!, d!);
      const line = name.endsWith(".d") ? "d" : "k";
      return (i) => (Number.isNaN(x.update(s.close[i]!)) ? NaN : x[line]);
    };
    case "SAR": return () => {
      const [a, m] = /\(([\d.]+),([\d.]+)\)/.exec(name)!.slice(1).map(Number);
      const x = new Sar(a!, m!);
      return (i) => x.update(s.high[i]!, s.low[i]!);
    };
  }
  throw new Error(`no case for ${name}`);
}

describe("new indicators equal TA-Lib's own output", () => {
  const entries = Object.entries(golden as Record<string, { first: number; values: number[] }>);

  it("covers every TA-Lib function the new indicators claim", () => {
    expect(new Set(entries.map(([k]) => k.slice(0, k.indexOf("("))))).toEqual(
      new Set(["DEMA", "TEMA", "KAMA", "CCI", "MFI", "WILLR", "STDDEV", "LINEARREG_SLOPE", "STOCHRSI", "SAR"]),
    );
  });

  it.each(entries)("%s", (name, ref) => {
    const step = caseOf(name)();
    const out = Array.from({ length: n }, (_, i) => step(i));
    expect(out.findIndex((x) => !Number.isNaN(x)), "first output bar").toBe(ref.first);
    expect(ref.first + ref.values.length).toBe(n);
    let worst = 0;
    ref.values.forEach((want, j) => {
      const got = out[ref.first + j]!;
      worst = Math.max(worst, Math.abs(got - want) / Math.max(Math.abs(want), 1));
    });
    // Bit for bit for DEMA, TEMA, KAMA, CCI, WILLR and SAR. TA-Lib's sliding sums (MFI,
    // LINEARREG_SLOPE, STOCHRSI's %D) carry rounding that ours re-sums away (up to 4e-14 here), and
    // its STDDEV is E[x²] - E[x]², which cancels digits (1e-11 here at prices ~100; up to 5e-3 on
    // BTC 1h at period 2, where ours stays within 1e-11 of a two-pass deviation).
    expect(worst, name).toBeLessThan(1e-10);
  });
});
