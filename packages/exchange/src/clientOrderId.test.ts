import { describe, expect, it } from "vitest";
import { BINANCE_CLIENT_ORDER_ID_RE, clientOrderId, KRAKEN_CLIENT_ORDER_ID_RE, OKX_CLIENT_ORDER_ID_RE } from "./clientOrderId";

describe("clientOrderId", () => {
  const bar = Date.UTC(2024, 2, 1, 12);

  it("is the same for the same bot, bar and intent", () => {
    expect(clientOrderId("bot-1", bar, "entry")).toBe(clientOrderId("bot-1", bar, "entry"));
  });

  it("differs when any input differs, including inputs that concatenate alike", () => {
    const ids = new Set([
      clientOrderId("bot-1", bar, "entry"),
      clientOrderId("bot-2", bar, "entry"),
      clientOrderId("bot-1", bar + 60_000, "entry"),
      clientOrderId("bot-1", bar, "exit"),
      clientOrderId("bot-1e", bar, "ntry"),
    ]);
    expect(ids.size).toBe(5);
  });

  it("names the market for a bot over several markets, and leaves a one-market bot's ids as they were", () => {
    // Pinned: a live bot deployed before markets were part of the id must find its orders after a restart.
    expect(clientOrderId("bot-1", bar, "entry", "binance")).toBe("kf-lt8lr400-32076142b1d0b582232caf");
    const btc = clientOrderId("bot-1", bar, "entry", "binance", "BTC/USDT");
    const eth = clientOrderId("bot-1", bar, "entry", "binance", "ETH/USDT");
    expect(new Set([btc, eth, clientOrderId("bot-1", bar, "entry", "binance")]).size).toBe(3);
    expect(btc).toBe(clientOrderId("bot-1", bar, "entry", "binance", "BTC/USDT"));
    expect(btc).toMatch(BINANCE_CLIENT_ORDER_ID_RE);
    expect(clientOrderId("bot-1", bar, "entry", "okx", "ETH/USDT")).toMatch(OKX_CLIENT_ORDER_ID_RE);
  });

  it("fits Binance's rule (≤ 36 chars of [.A-Z:/a-z0-9_-]) for any bot id and far-future bars", () => {
    for (const [botId, t, intent] of [
      ["a", 0, "x"],
      ["ünïcödé bot / with spaces", bar, "amend #3 (cancel+replace)"],
      ["x".repeat(500), 253402300799999, "entry"],
    ] as const) {
      const id = clientOrderId(botId, t, intent);
      expect(id).toMatch(BINANCE_CLIENT_ORDER_ID_RE);
      expect(id.length).toBeLessThanOrEqual(36);
      expect(id.startsWith("kf-")).toBe(true);
    }
  });

  it("takes the shape OKX (letters and digits, ≤ 32) and Kraken (32 hex) accept, from the same inputs; Binance's is unchanged", () => {
    for (const t of [0, bar, 253402300799999]) {
      const okx = clientOrderId("bot-1", t, "entry", "okx");
      expect(okx).toMatch(OKX_CLIENT_ORDER_ID_RE);
      expect(okx.startsWith("kf")).toBe(true);
      expect(clientOrderId("bot-1", t, "entry", "kraken")).toMatch(KRAKEN_CLIENT_ORDER_ID_RE);
    }
    expect(clientOrderId("bot-1", bar, "entry", "okx")).toBe(clientOrderId("bot-1", bar, "entry", "okx"));
    expect(clientOrderId("bot-1", bar, "entry", "okx")).not.toBe(clientOrderId("bot-1", bar, "exit", "okx"));
    expect(clientOrderId("bot-1", bar, "entry", "binance")).toBe(clientOrderId("bot-1", bar, "entry"));
    expect(clientOrderId("bot-1", bar, "entry", "bybit")).toBe(clientOrderId("bot-1", bar, "entry"));
  });

  it("refuses inputs that would make ids ambiguous", () => {
    expect(() => clientOrderId("", bar, "entry")).toThrow(/botId/);
    expect(() => clientOrderId("b", 1.5, "entry")).toThrow(/barTime/);
    expect(() => clientOrderId("b", bar, "")).toThrow(/intent/);
  });
});
