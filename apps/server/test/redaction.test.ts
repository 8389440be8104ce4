// Every error the fake exchange can produce, on every endpoint a live bot uses, through the whole
// path (retrier, gateway, trader, runner, manager, views): no signed URL, no signature, no
// credential header and no pasted HTML page reaches a log, a bot event, a halt reason, an order
// message or an API answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault, FaultMatch } from "../../../test/fake-exchange/index";
import { makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, harness, leakSites, smaFlow, type Harness } from "./botHelpers";

let h: Harness;
let botId: string;

beforeAll(async () => {
  h = await harness({
    fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 7, 1), count: 3000, seed: 8 }) }, closedAtStart: 10, balances: { USDT: 1_000_000, BTC: 0 }, feeRate: 0.001 },
    exchange: { timeoutMs: 600 },
  });
  const key = await h.caller.keys.add({ exchange: "binance", apiKey: h.fake.keys.trade!.apiKey, secret: h.fake.keys.trade!.secret });
  botId = (await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 })).id;
  await caughtUp(h, botId);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const HTML = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
const FAULTS: Fault[] = [
  { kind: "status", status: 500, body: HTML },
  { kind: "status", status: 503, body: "<!DOCTYPE html><html><body>Service Unavailable</body></html>" },
  { kind: "status", status: 400, body: '{"code":-1102,"msg":"Mandatory parameter was not sent."}' },
  { kind: "timeout" },
  { kind: "rateLimit", status: 429, retryAfterSec: 1 },
  { kind: "timestamp" },
  { kind: "reject", code: -2010, msg: "Account has insufficient balance for requested action." },
  { kind: "reject", code: -1013, msg: "Filter failure: LOT_SIZE" },
  { kind: "dropAfterAccept" },
];
const ENDPOINTS: FaultMatch[] = [
  { method: "POST", path: "/api/v3/order" },
  { method: "GET", path: "/api/v3/order" },
  { method: "GET", path: "/api/v3/myTrades" },
  { method: "GET", path: "/api/v3/account" },
  { method: "GET", path: "/api/v3/openOrders" },
  { method: "GET", path: "/api/v3/klines" },
];

describe("redaction by shape", () => {
  it("keeps signed URLs, signatures, keys and HTML pages out of everything a person or a log sees", async () => {
    for (const fault of FAULTS) {
      for (const where of ENDPOINTS) {
        h.fake.faults.inject(fault, where);
        // Close candles until the fault was used (endpoints like the order lookup need an order first).
        for (let i = 0; i < 12 && h.fake.faults.pending() > 0; i++) {
          h.fake.advance();
          await caughtUp(h, botId, 20_000);
        }
        h.fake.faults.clear();
      }
    }
    // The faults did reach the bot: its log speaks of them.
    const sites = leakSites(h, {
      orders: JSON.stringify(h.services.db.bots.allOrders(botId)),
      views: JSON.stringify([await h.caller.bots.list(), await h.caller.bots.get({ id: botId }), await h.caller.keys.list()]),
      halt: String(h.services.db.bots.get(botId)!.haltReason),
    });
    expect(sites.events).toMatch(/retrying|did not confirm|rejected|unavailable|timed out|Exchange/i);
    const forbidden: [string, RegExp][] = [
      ["a signature", /signature=(?!\[redacted\])/i],
      ["a signed timestamp", /[?&]timestamp=\d/],
      ["a recvWindow", /recvWindow=\d/],
      ["an HTML page", /<html|<!doctype|<body/i],
      ["the API key", new RegExp(h.fake.keys.trade!.apiKey)],
      ["the secret", new RegExp(h.fake.keys.trade!.secret)],
    ];
    for (const [where, text] of Object.entries(sites)) {
      if (where === "database") continue; // raw pages of the file: sealed credentials are checked elsewhere
      for (const [what, re] of forbidden) expect(re.test(text), `${what} in ${where}: ${text.match(re)?.index !== undefined ? text.slice(Math.max(0, text.search(re) - 120), text.search(re) + 80) : ""}`).toBe(false);
    }
    expect(sites.events + sites.logs).toMatch(/the exchange answered HTTP 50[03] with an error page/);
  }, 240_000);
});
