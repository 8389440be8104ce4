import { bundleJsonFromHtml, getTemplate, type Metrics, type ResultBundle } from "@keyflow/core";
import { describe, expect, it } from "vitest";
import { htmlReport } from "./htmlReport";

const evil = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`;

function bundle(): ResultBundle {
  const flow = structuredClone(getTemplate("sma-cross")!.flow);
  flow.name = evil;
  return {
    format: "keyflow.result",
    version: 1,
    createdAt: 0,
    template: flow,
    specHash: "abc",
    settings: flow.settings,
    fillRules: "next-open/intrabar-stops",
    engineVersion: "0.1.0",
    data: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h", from: 0, to: 7_200_000, firstTime: 0, lastTime: 3_600_000, count: 2, contentHash: "0".repeat(64) },
    metrics: { totalReturnPct: 1.5, trades: 1, maxDrawdownPct: 2, sharpe: 0.5, monthlyReturns: [] } as unknown as Metrics,
    trades: [{ side: "long", entryTime: 0, entryPrice: 100, exitTime: 3_600_000, exitPrice: 101.5, qty: 1, pnl: 1.4, fees: 0.1, returnPct: 1.4, exitReason: "signal" }],
    openPosition: null,
    equity: { time: [0, 3_600_000], value: [10_000, 10_150] },
  };
}

describe("htmlReport", () => {
  it("is one page that runs and fetches nothing, whatever the strategy is named, and carries its bundle", () => {
    const b = bundle();
    const html = htmlReport({ bundle: b, price: { time: [0, 3_600_000], close: [100, 101.5] } });
    expect(html).not.toContain(evil);
    expect(html).not.toMatch(/<script(?! type="application\/json" id="keyflow-result">)/);
    expect(html).not.toMatch(/<[a-z][^>]*\b(src|href)=|https?:\/\/|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(JSON.parse(bundleJsonFromHtml(html)!)).toEqual(b);
    expect(html.match(/<tr><td>1<\/td>/g)).toHaveLength(1);
  });
});
