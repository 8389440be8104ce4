import { it } from "vitest";
import { startVenueFake } from "../../../test/fake-exchange/index";
import { createExchange, redirectExchange } from "./createExchange";
import { createOrderGateway } from "./orderGateway";
it("scratch", async () => {
  for (const venue of (process.env.VENUES ?? "kucoin").split(",") as any[]) {
    const fake = await startVenueFake(venue, { balances: { USDT: 50_000, BTC: 1, ETH: 0 } });
    const k = fake.keys.trade!;
    const ex = redirectExchange(createExchange({ exchangeId: venue, credentials: { apiKey: k.apiKey, secret: k.secret, ...(k.passphrase ? { password: k.passphrase } : {}) }, ccxtRateLimitMs: 1, timeoutMs: 3000 }), fake.url);
    const gw = createOrderGateway(ex);
    const log = (x: unknown) => console.log(venue, JSON.stringify(x).slice(0, 400));
    try { await gw.loadMarkets(); log("markets ok"); } catch (e) { log(String(e)); }
    try { log(await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.01, referencePrice: 30000, clientOrderId: "kf-abc-123" })); } catch (e) { log(String(e)); }
    try { log(await gw.findOrderByClientId("BTC/USDT", "kf-abc-123")); } catch (e) { log(String(e)); }
    fake.advance();
    try { log(await gw.findOrderByClientId("BTC/USDT", "kf-abc-123")); } catch (e) { log(String(e)); }
    try { log(await gw.fetchBalance()); } catch (e) { log(String(e)); }
    try { log(await gw.fetchMyTrades("BTC/USDT")); } catch (e) { log(String(e)); }
    try { log((await ex.fetchOHLCV("BTC/USDT", "1m", undefined, 5))); } catch (e) { log(String(e)); }
    log(fake.requests.map((r) => `${r.status} ${r.method} ${r.path}`));
    await ex.close(); await fake.close();
  }
});
