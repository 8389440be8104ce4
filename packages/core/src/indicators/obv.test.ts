import { describe, expect, it } from "vitest";
import { Obv } from "./obv";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refObv, stream } from "./reference.test-helpers";

describe("Obv", () => {
  it("starts at the first volume, then adds on up closes and subtracts on down closes", () => {
    // 100; +50 (up) = 150; unchanged close → 150; -20 (down) = 130
    const obv = new Obv();
    expect(obv.warmup).toBe(1);
    const closes = [10, 11, 11, 9];
    const vols = [100, 50, 30, 20];
    expect(closes.map((c, i) => obv.update(c, vols[i]!))).toEqual([100, 150, 150, 130]);
  });
});

describeWithSharedCsv("Obv on BTC 1h candles", [BTC_1H_FILE], (c) => {
  it("matches the cumulative sign(Δclose) * volume reference from the first bar", () => {
    const obv = new Obv();
    const out = stream(c.close.length, (i) => obv.update(c.close[i]!, c.volume[i]!));
    expectSeries(out, refObv(c.close, c.volume), 0, "Obv");
  });
});
