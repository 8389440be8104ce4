import { describe, expect, it } from "vitest";
import { createExchange, exchangeIds, hasTestnet, requiredCredentials } from "./createExchange";
import { RateLimiter } from "./limiter";

describe("createExchange", () => {
  it("refuses an unknown exchange id with a message that says what to use", () => {
    expect(() => createExchange({ exchangeId: "notanexchange" })).toThrow(/Unknown exchange "notanexchange"/);
  });

  it("makes rate-limited instances with spot-only market loading for binance", () => {
    const ex = createExchange({ exchangeId: "binance", urlsOverride: { public: "http://127.0.0.1:1/api/v3" } });
    expect(ex.enableRateLimit).toBe(true);
    expect(ex.options["fetchMarkets"]).toMatchObject({ types: ["spot"] });
    expect(ex.options["adjustForTimeDifference"]).toBe(true);
    expect((ex.urls as { api: Record<string, string> }).api["public"]).toBe("http://127.0.0.1:1/api/v3");
    // untouched entries stay
    expect((ex.urls as { api: Record<string, string> }).api["sapi"]).toMatch(/^https:\/\//);
  });

  it("routes ccxt's throttle through the shared limiter", async () => {
    const limiter = new RateLimiter({ maxRequests: 100, windowMs: 1000 });
    const ex = createExchange({ exchangeId: "kraken", limiter });
    await ex.throttle(1);
    expect(limiter.granted).toBe(1);
  });
});

describe("testnet instances", () => {
  it("talk to the test environment where ccxt has one, and are refused elsewhere", () => {
    expect(["binance", "bybit", "okx"].filter(hasTestnet)).toEqual(["binance", "bybit", "okx"]);
    expect(hasTestnet("kraken")).toBe(false);
    const binance = createExchange({ exchangeId: "binance", testnet: true });
    expect((binance.urls as { api: Record<string, string> }).api["private"]).toMatch(/testnet\.binance\.vision/);
    const okx = createExchange({ exchangeId: "okx", testnet: true });
    expect(okx.headers).toMatchObject({ "x-simulated-trading": "1" });
    expect(() => createExchange({ exchangeId: "kraken", testnet: true })).toThrow(/has no testnet Keyflow can use/);
  });
});

describe("requiredCredentials", () => {
  it("says which fields the add-key form needs", () => {
    expect(requiredCredentials("binance")).toEqual({ apiKey: true, secret: true, password: false, uid: false });
    expect(requiredCredentials("okx").password).toBe(true);
    expect(requiredCredentials("kucoin").password).toBe(true);
    expect(exchangeIds()).toContain("binance");
  });
});
