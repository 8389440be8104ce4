import { Highest, Lowest } from "./extremes";
import { checkPeriod } from "./period";
import { Rsi } from "./rsi";
import { Sma } from "./sma";

/**
 * Stochastic RSI, TA-Lib STOCHRSI with an SMA %D: the fast stochastic (TA-Lib STOCHF) of the
 * RSI series, i.e. %K = 100 * (rsi - lowest rsi) / (highest rsi - lowest rsi) over the last
 * `kPeriod` RSI values (0 when that range is zero, as TA-Lib), %D = SMA(%K, dPeriod). As in
 * TA-Lib, neither line is output before %D exists: first output at index
 * rsiPeriod + kPeriod + dPeriod - 2.
 *
 * `update` returns %K and sets `k` and `d`.
 */
export class StochRsi {
  readonly warmup: number;
  /** Latest %K (same as `k`), NaN before warm-up. */
  value = NaN;
  k = NaN;
  d = NaN;
  private readonly rsi: Rsi;
  private readonly highest: Highest;
  private readonly lowest: Lowest;
  private readonly dAvg: Sma;

  constructor(rsiPeriod: number, kPeriod: number, dPeriod: number) {
    checkPeriod("StochRsi", "kPeriod", kPeriod, 1);
    checkPeriod("StochRsi", "dPeriod", dPeriod, 1);
    this.rsi = new Rsi(rsiPeriod);
    this.highest = new Highest(kPeriod);
    this.lowest = new Lowest(kPeriod);
    this.dAvg = new Sma(dPeriod);
    this.warmup = rsiPeriod + kPeriod + dPeriod - 1;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const r = this.rsi.update(x);
    if (r !== r) return NaN;
    const hh = this.highest.update(r);
    const ll = this.lowest.update(r);
    if (hh !== hh) return NaN;
    const range = hh - ll;
    const k = range !== 0 ? (100 * (r - ll)) / range : 0;
    const d = this.dAvg.update(k);
    if (d !== d) return NaN;
    this.k = k;
    this.d = d;
    this.value = k;
    return k;
  }
}
