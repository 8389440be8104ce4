import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backtest, backtestReportSchema, compile, getTemplate, parseCandlesCsv } from "@keyflow/core";
import { runBacktestCommand } from "../src/cli/backtest";
import { runDataCommand } from "../src/cli/data";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  return { out, err };
}

const dir = mkdtempSync(join(tmpdir(), "keyflow-cli-"));
const csv = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// A small market that rises, falls and rises again, so the SMA cross trades.
const rows = ["time,open,high,low,close,volume"];
for (let i = 0; i < 300; i++) {
  const p = 100 + 20 * Math.sin(i / 15) + i * 0.05;
  rows.push(`${1_700_000_000_000 + i * 3_600_000},${p},${p + 1},${p - 1},${p + 0.5},10`);
}
const goodCsv = csv("good.csv", rows.join("\n"));

afterEach(() => vi.restoreAllMocks());

describe("keyflow backtest", () => {
  it("prints one JSON report that equals the engine's result for the same flow and candles", async () => {
    const io = capture();
    const code = await runBacktestCommand(["sma-cross", "--data", goodCsv, "--cash", "5000", "--fee", "0.002", "--json"]);
    expect(code).toBe(0);
    const report = backtestReportSchema.parse(JSON.parse(io.out.join("")));
    const flow = getTemplate("sma-cross")!.flow;
    const settings = { ...flow.settings, initialCash: 5000, feeRate: 0.002 };
    const r = compile({ ...flow, settings });
    if (!r.ok) throw new Error("compile");
    const parsed = parseCandlesCsv(rows.join("\n"));
    if (!parsed.ok) throw new Error("csv");
    const direct = backtest(r.spec, parsed.candles, settings);
    expect(report.trades.length).toBeGreaterThan(0);
    expect(report.trades).toEqual(direct.trades);
    expect(report.metrics.finalEquity).toBe(direct.metrics.finalEquity);
    expect(report.specHash).toBe(r.hash);
    expect(report.bars).toBe(300);
  });

  it("warns on stderr about a hole in the candles, naming where it is", async () => {
    const io = capture();
    const holed = csv("holed.csv", [...rows.slice(0, 101), ...rows.slice(131)].join("\n"));
    expect(await runBacktestCommand(["sma-cross", "--data", holed, "--json"])).toBe(0);
    const after = new Date(1_700_000_000_000 + 99 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");
    expect(io.err.join("")).toContain(`1 gap in the candles (30 missing): ${after} →`);
    expect(JSON.parse(io.out.join("")).bars).toBe(270);
  });

  it("names the bad line of a CSV and exits 2 without a stack trace", async () => {
    const io = capture();
    const bad = csv("bad.csv", "time,open,high,low,close,volume\n1,2,3,1,2,5\n2,x,3,1,2,5\n");
    expect(await runBacktestCommand(["sma-cross", "--data", bad])).toBe(2);
    const msg = io.err.join("");
    expect(msg).toContain("line 3");
    expect(msg).not.toMatch(/\n\s+at /);
  });

  it("explains an unknown template, a broken flow file and a bad option", async () => {
    const io = capture();
    expect(await runBacktestCommand(["no-such-template"])).toBe(2);
    expect(io.err.join("")).toContain("sma-cross");
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    flow.edges = flow.edges.filter((e) => e.target !== "buy");
    const file = join(dir, "broken.json");
    writeFileSync(file, JSON.stringify(flow));
    expect(await runBacktestCommand([file, "--data", goodCsv])).toBe(2);
    expect(io.err.join("")).toContain("[buy.when]");
    expect(await runBacktestCommand(["sma-cross", "--fee", "5"])).toBe(2);
    expect(io.err.join("")).toContain("--fee");
  });

  describe("over several markets", () => {
    // A second market: the same shape, shifted and scaled, so both trade differently.
    const rowsB = ["time,open,high,low,close,volume"];
    for (let i = 0; i < 300; i++) {
      const p = 50 + 12 * Math.cos(i / 11) + i * 0.02;
      rowsB.push(`${1_700_000_000_000 + i * 3_600_000},${p},${p + 0.6},${p - 0.6},${p - 0.2},7`);
    }
    const csvB = csv("second.csv", rowsB.join("\n"));

    // sma-cross buying a fixed 1,000 USDT: a single-market run on 5,000 never lacks cash for it.
    const fixed = (() => {
      const flow = getTemplate("sma-cross")!.flow;
      return { ...flow, nodes: flow.nodes.map((n) => (n.kind === "buy" ? { ...n, params: { sizeMode: "quote", size: 1000 } } : n)) };
    })();
    const fixedFile = csv("fixed.json", JSON.stringify(fixed));

    async function single(path: string, source = "sma-cross", cash?: string) {
      capture();
      const io = capture();
      expect(await runBacktestCommand([source, "--data", path, "--json", ...(cash ? ["--cash", cash] : [])])).toBe(0);
      vi.restoreAllMocks();
      return backtestReportSchema.parse(JSON.parse(io.out.join("")));
    }
    type PortfolioJson = {
      portfolio: { metrics: { finalEquity: number; trades: number }; maxOpenPositions: number; budgetPerPosition: number };
      markets: { symbol: string; trades: unknown[]; skippedEntries: number }[];
    };

    it("--data twice: one portfolio on shared cash; markets that never compete trade as they would alone", async () => {
      const a = await single(goodCsv, fixedFile, "5000");
      const b = await single(csvB, fixedFile, "5000");
      const io = capture();
      expect(await runBacktestCommand([fixedFile, "--data", goodCsv, "--data", csvB, "--cash", "10000", "--json"])).toBe(0);
      const out = JSON.parse(io.out.join("")) as PortfolioJson;
      expect(out.markets.map((m) => m.symbol)).toEqual(["good.csv", "second.csv"]);
      // Defaults: a slot per market, the cash split between the slots.
      expect(out.portfolio.maxOpenPositions).toBe(2);
      expect(out.portfolio.budgetPerPosition).toBe(5000);
      expect(out.markets[0]!.trades).toEqual(a.trades);
      expect(out.markets[1]!.trades).toEqual(b.trades);
      expect(a.trades.length + b.trades.length).toBeGreaterThan(2);
      expect(out.portfolio.metrics.trades).toBe(a.metrics.trades + b.metrics.trades);
      // Same candle times: the portfolio ends at the sum of the two final equities.
      expect(out.portfolio.metrics.finalEquity).toBeCloseTo(a.metrics.finalEquity + b.metrics.finalEquity, 9);
      vi.restoreAllMocks();
      // One slot: the two compete, and some entries are skipped.
      const tight = capture();
      expect(await runBacktestCommand([fixedFile, "--data", goodCsv, "--data", csvB, "--max-open", "1", "--json"])).toBe(0);
      const one = JSON.parse(tight.out.join("")) as PortfolioJson;
      expect(one.portfolio.maxOpenPositions).toBe(1);
      expect(one.markets.reduce((s, m) => s + m.skippedEntries, 0)).toBeGreaterThan(0);
      vi.restoreAllMocks();
      const table = capture();
      expect(await runBacktestCommand([fixedFile, "--data", goodCsv, "--data", csvB, "--budget", "2000"])).toBe(0);
      const text = table.out.join("");
      expect(text).toContain("one portfolio on shared cash");
      expect(text).toContain("at most 2 open, 2,000.00 a position");
      expect(text).toMatch(/second\.csv[\s\S]*Final equity/);
    });

    it("--symbols reads the stored markets of the flow's exchange and timeframe, and names a missing one", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "keyflow-cli-symbols-"));
      vi.stubEnv("KEYFLOW_DATA_DIR", dataDir);
      try {
        capture();
        expect(await runDataCommand(["import", goodCsv, "--market", "AAA/USDT", "--timeframe", "1h", "--exchange", "csv"])).toBe(0);
        expect(await runDataCommand(["import", csvB, "--market", "BBB/USDT", "--timeframe", "1h", "--exchange", "csv"])).toBe(0);
        vi.restoreAllMocks();
        const flow = { ...getTemplate("sma-cross")!.flow, market: { exchange: "csv", symbol: "AAA/USDT", timeframe: "1h" as const } };
        const flowFile = csv("flow.json", JSON.stringify(flow));
        const a = await single(goodCsv);
        const b = await single(csvB);
        const io = capture();
        expect(await runBacktestCommand([flowFile, "--symbols", "AAA/USDT, BBB/USDT", "--json"])).toBe(0);
        const out = JSON.parse(io.out.join("")) as PortfolioJson;
        // Percent-of-equity sizing: the first trade of each is the single run's on half the cash.
        expect(out.markets.map((m) => m.symbol)).toEqual(["AAA/USDT", "BBB/USDT"]);
        expect(out.markets.map((m) => m.trades.length)).toEqual([a.trades.length, b.trades.length]);
        expect(out.markets.map((m) => (m.trades[0] as { entryTime: number }).entryTime)).toEqual([a.trades[0]!.entryTime, b.trades[0]!.entryTime]);
        vi.restoreAllMocks();
        const table = capture();
        expect(await runBacktestCommand([flowFile, "--symbols", "AAA/USDT,BBB/USDT"])).toBe(0);
        expect(table.out.join("")).toMatch(/BBB\/USDT[\s\S]*Final equity/);
        vi.restoreAllMocks();
        // A flow naming its own portfolio: every stored USDT series of its exchange and timeframe.
        const own = csv("own.json", JSON.stringify({ ...flow, portfolio: { allStoredQuote: "USDT", maxOpenPositions: 1 } }));
        const ownIo = capture();
        expect(await runBacktestCommand([own, "--json"])).toBe(0);
        const mine = JSON.parse(ownIo.out.join("")) as PortfolioJson;
        expect(mine.markets.map((m) => m.symbol)).toEqual(["AAA/USDT", "BBB/USDT"]);
        expect(mine.portfolio.maxOpenPositions).toBe(1);
        vi.restoreAllMocks();
        const missing = capture();
        expect(await runBacktestCommand([flowFile, "--symbols", "AAA/USDT,ZZZ/USDT"])).toBe(2);
        expect(missing.err.join("")).toContain("No csv ZZZ/USDT 1h candles stored. Download them first: keyflow data download csv ZZZ/USDT 1h");
      } finally {
        vi.unstubAllEnvs();
      }
    });
  });
});
