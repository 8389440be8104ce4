import { Delay } from "./delay";
import { Highest, Lowest } from "./extremes";
import { checkPeriod } from "./period";

/**
 * Ichimoku Kinko Hyo (not in TA-Lib), without anything from the future. With mid(n) = (highest
 * high + lowest low) / 2 of the last n bars, this one included:
 *
 * - `tenkan` (conversion line) = mid(tenkanPeriod), `kijun` (base line) = mid(kijunPeriod);
 * - `spanA` = (tenkan + kijun) / 2 and `spanB` = mid(spanBPeriod) AS COMPUTED ON THIS BAR. A chart
 *   draws these `displacement` bars to the right (in the future); here they stay on the bar
 *   whose data made them (the "shifted-back view");
 * - `cloudA` / `cloudB` = spanA / spanB computed `displacement` bars ago: the cloud a chart draws
 *   under the current bar, which is what "price above the cloud" compares with. (TradingView
 *   draws the spans displacement - 1 bars ahead: use displacement 25 to match its cloud.)
 * - the lagging span (chikou) is left out: it is the close drawn in the past, so on any bar it
 *   would show a future close. Its usual test, close against the close `displacement` bars ago,
 *   is a Bars ago block.
 *
 * Each output is NaN until its own windows are full. `update` returns the tenkan.
 */
export class Ichimoku {
  readonly warmup: number;
  /** Latest tenkan (same as `tenkan`), NaN before warm-up. */
  value = NaN;
  tenkan = NaN;
  kijun = NaN;
  spanA = NaN;
  spanB = NaN;
  cloudA = NaN;
  cloudB = NaN;
  private readonly hiT: Highest;
  private readonly loT: Lowest;
  private readonly hiK: Highest;
  private readonly loK: Lowest;
  private readonly hiB: Highest;
  private readonly loB: Lowest;
  private readonly delayA: Delay;
  private readonly delayB: Delay;

  constructor(tenkanPeriod: number, kijunPeriod: number, spanBPeriod: number, displacement: number) {
    checkPeriod("Ichimoku", "tenkanPeriod", tenkanPeriod, 1);
    checkPeriod("Ichimoku", "kijunPeriod", kijunPeriod, 1);
    checkPeriod("Ichimoku", "spanBPeriod", spanBPeriod, 1);
    checkPeriod("Ichimoku", "displacement", displacement, 1);
    this.hiT = new Highest(tenkanPeriod);
    this.loT = new Lowest(tenkanPeriod);
    this.hiK = new Highest(kijunPeriod);
    this.loK = new Lowest(kijunPeriod);
    this.hiB = new Highest(spanBPeriod);
    this.loB = new Lowest(spanBPeriod);
    this.delayA = new Delay(displacement);
    this.delayB = new Delay(displacement);
    this.warmup = tenkanPeriod;
  }

  update(high: number, low: number): number {
    if (Number.isNaN(high) || Number.isNaN(low)) return this.value;
    this.tenkan = (this.hiT.update(high) + this.loT.update(low)) / 2;
    this.kijun = (this.hiK.update(high) + this.loK.update(low)) / 2;
    this.spanA = (this.tenkan + this.kijun) / 2;
    this.spanB = (this.hiB.update(high) + this.loB.update(low)) / 2;
    this.cloudA = this.delayA.update(this.spanA);
    this.cloudB = this.delayB.update(this.spanB);
    this.value = this.tenkan;
    return this.tenkan;
  }
}
