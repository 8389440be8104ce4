import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, getTemplate } from "@keyflow/core";
import { runDifferences, type RunSetup } from "./runDifferences";

const base = (): RunSetup => ({
  flow: structuredClone(getTemplate("rsi-reversion")!.flow),
  settings: structuredClone(DEFAULT_SETTINGS),
  exchange: "demo",
  symbol: "DEMO/USDT",
  timeframe: "1h",
  fromTime: Date.UTC(2023, 0, 1),
  toTime: Date.UTC(2024, 0, 1),
});

describe("compare labels", () => {
  it("names only what differs: a param, the fee and the range", () => {
    const a = base();
    const b = base();
    b.flow.nodes.find((n) => n.id === "rsi")!.params.period = 10;
    b.settings.feeRate = 0.002;
    b.toTime = Date.UTC(2024, 6, 1);
    const [la, lb] = runDifferences(a, b);
    expect(la).toEqual(["2023-01-01 → 2024-01-01", "fee 0.1 %", "RSI period 14"]);
    expect(lb).toEqual(["2023-01-01 → 2024-07-01", "fee 0.2 %", "RSI period 10"]);
  });

  it("names the market when that is what differs, and says when nothing does", () => {
    const b = base();
    b.timeframe = "1m";
    expect(runDifferences(base(), b)).toEqual([["DEMO/USDT 1h"], ["DEMO/USDT 1m"]]);
    expect(runDifferences(base(), base())[0]).toEqual(["same flow, data and settings"]);
  });
});
