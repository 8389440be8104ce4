// keys.add / probe / confirmNoWithdraw through the router against fakes that speak each exchange:
// Keyflow's policy per venue, nothing stored on a refusal, no credential anywhere it could leak.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVenueFake, type VenueFake, type VenueId } from "../../../test/fake-exchange/index";
import { expectNoSecrets, harness, leakSites, template, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const VENUES: { venue: VenueId; passphrase: boolean; ipReported: boolean }[] = [
  { venue: "okx", passphrase: true, ipReported: true },
  { venue: "bybit", passphrase: false, ipReported: true },
  { venue: "kucoin", passphrase: true, ipReported: true },
  { venue: "bitget", passphrase: true, ipReported: true },
  { venue: "kraken", passphrase: false, ipReported: true },
  { venue: "coinbase", passphrase: false, ipReported: false },
];

let h: Harness;
const fakes = new Map<VenueId, VenueFake>();
beforeAll(async () => {
  for (const { venue } of VENUES) fakes.set(venue, await startVenueFake(venue));
  const urls: Record<string, string> = Object.fromEntries([...fakes].map(([id, f]) => [id, f.url]));
  h = await harness({ exchange: { urls } });
  // The services keep this object: point Binance, and binanceus (no permission endpoint in Keyflow's
  // table, so a signed read), at the harness's Binance fake.
  urls["binance"] = h.fake.url;
  urls["binanceus"] = h.fake.url;
});
afterAll(async () => {
  await h?.close();
  for (const f of fakes.values()) await f.close();
});

const count = async () => (await h.caller.keys.list()).length;

describe.each(VENUES)("keys on $venue (fake)", ({ venue, passphrase, ipReported }) => {
  const fake = () => fakes.get(venue)!;
  const add = (name: string, override: { secret?: string; password?: string } = {}) => {
    const k = fake().keys[name]!;
    return h.caller.keys.add({ exchange: venue, label: `${venue} ${name}`, apiKey: k.apiKey, secret: override.secret ?? k.secret, password: override.password ?? k.passphrase });
  };

  it("stores a trade-only key with an IP whitelist: live allowed, rights with their sources, no secret in the answer", async () => {
    const key = await add("trade");
    expect(key).toMatchObject({ exchange: venue, liveAllowed: true, needsWithdrawConfirmation: false, probe: { status: "ok" } });
    expect(key.permissions).toMatchObject({ canRead: true, canTrade: true, canWithdraw: false, sources: { canWithdraw: "reported", canTrade: "reported" } });
    if (ipReported) expect(key.warnings).toEqual([]);
    else expect(key.warnings).toEqual([expect.stringMatching(/does not report whether a key has an IP allowlist/)]);
    const k = fake().keys.trade!;
    const json = JSON.stringify(await h.caller.keys.list());
    for (const s of [k.secret, k.apiKey, k.passphrase].filter((x): x is string => !!x)) expect(json).not.toContain(s);
  });

  it("refuses a key that can withdraw and stores nothing", async () => {
    const before = await count();
    expect(await userErrorOf(add("withdraw"))).toMatchObject({ kind: "key", reason: "withdraw" });
    expect(await count()).toBe(before);
  });

  it("accepts a read-only key for paper bots only", async () => {
    expect(await add("readOnly")).toMatchObject({ liveAllowed: false, needsWithdrawConfirmation: false });
  });

  it.skipIf(!ipReported)("warns about a key without an IP whitelist", async () => {
    const key = await add("noIpWhitelist");
    expect(key.liveAllowed).toBe(true);
    expect(key.warnings.join(" ")).toMatch(/no IP whitelist/);
  });

  it("explains a wrong secret and stores nothing", async () => {
    const before = await count();
    const err = await userErrorOf(add("trade", { secret: fake().venue.makeSecret().secret }));
    expect(err).toMatchObject({ kind: "key", reason: venue === "coinbase" ? "bad-key" : "bad-signature" });
    expect(await count()).toBe(before);
  });

  it.skipIf(!passphrase)("asks for the passphrase, and explains a wrong one without storing anything", async () => {
    expect(await h.caller.keys.requirements({ exchange: venue })).toMatchObject({ password: true });
    const before = await count();
    const err = await userErrorOf(add("trade", { password: "Wrong-Passphrase-7" }));
    expect(err).toMatchObject({ kind: "key", reason: "bad-passphrase" });
    expect(err.message).toMatch(/rejected the passphrase of this API key/);
    expect(err.message).not.toContain("Wrong-Passphrase-7");
    expect(await count()).toBe(before);
  });
});

describe("keys.capabilities: what the add-key form tells before a key is added", () => {
  it("names the exchange and says what Keyflow can verify there", async () => {
    expect(await h.caller.keys.capabilities({ exchange: "okx" })).toEqual({
      name: "OKX",
      permissionsReported: true,
      ipWhitelistReported: true,
      testnet: true,
      passphrase: true,
      keysUrl: "https://www.okx.com/account/my-api",
      testnetKeysUrl: "https://www.okx.com/account/my-api",
    });
    expect(await h.caller.keys.capabilities({ exchange: "binance" })).toMatchObject({ keysUrl: expect.stringMatching(/^https:\/\/www\.binance\.com\//), testnetKeysUrl: "https://testnet.binance.vision/" });
    expect(await h.caller.keys.capabilities({ exchange: "coinbase" })).toMatchObject({ name: "Coinbase Advanced", permissionsReported: true, ipWhitelistReported: false, testnet: false, passphrase: false, testnetKeysUrl: null });
    expect(await h.caller.keys.capabilities({ exchange: "binanceus" })).toMatchObject({ permissionsReported: false, ipWhitelistReported: false });
    // An exchange Keyflow has no key page for: no link rather than a guessed one.
    expect(await h.caller.keys.capabilities({ exchange: "bitstamp" })).toMatchObject({ keysUrl: null });
  });
});

describe("a key whose withdrawal right the exchange does not report", () => {
  const flow = () => template("sma-cross");
  const market = { exchange: "binanceus", symbol: "BTC/USDT", timeframe: "1m" as const };
  const addUnknown = (label: string) => {
    const k = h.fake.keys.trade!;
    return h.caller.keys.add({ exchange: "binanceus", label, apiKey: k.apiKey, secret: k.secret });
  };

  it("runs paper bots, and live ones only after the person confirms withdrawals are disabled", async () => {
    const key = await addUnknown("unknown withdrawals");
    expect(key).toMatchObject({ liveAllowed: false, needsWithdrawConfirmation: true, withdrawOffConfirmedAt: null });
    expect(key.permissions).toMatchObject({ canWithdraw: "unknown", sources: { canRead: "inferred", canWithdraw: "unknown" } });
    expect(key.warnings.join(" ")).toMatch(/paper bots only.*confirm-no-withdraw/);

    const paper = await h.caller.bots.deploy({ flow: flow(), market, mode: "paper", keyId: key.id, name: "paper ok", start: false });
    expect(paper.mode).toBe("paper");
    const refused = await userErrorOf(h.caller.bots.deploy({ flow: flow(), market, mode: "live", keyId: key.id, confirmLive: true, name: "too early", start: false }));
    expect(refused).toMatchObject({ kind: "key", reason: "withdraw-unconfirmed" });
    expect(refused.message).toMatch(/keyflow keys confirm-no-withdraw/);

    const confirmed = await h.caller.keys.confirmNoWithdraw({ id: key.id });
    expect(confirmed).toMatchObject({ liveAllowed: true, needsWithdrawConfirmation: false });
    expect(confirmed.withdrawOffConfirmedAt).toEqual(expect.any(Number));
    expect(confirmed.warnings.join(" ")).toMatch(/You confirmed that withdrawals are disabled/);
    expect(confirmed.warnings.join(" ")).not.toMatch(/paper bots only/);
    const live = await h.caller.bots.deploy({ flow: flow(), market, mode: "live", keyId: key.id, confirmLive: true, name: "now live", start: false });
    expect(live.mode).toBe("live");

    // A fresh check keeps the confirmation; rotating to other credentials clears it.
    expect(await h.caller.keys.probe({ id: key.id })).toMatchObject({ liveAllowed: true, needsWithdrawConfirmation: false });
    const k = h.fake.keys.noIpWhitelist!;
    const rotated = await h.caller.keys.rotate({ id: key.id, apiKey: k.apiKey, secret: k.secret });
    expect(rotated).toMatchObject({ liveAllowed: false, needsWithdrawConfirmation: true, withdrawOffConfirmedAt: null });
  });

  it("also holds for a key stored before the rule (accepted for live with withdrawals unknown)", async () => {
    const added = await addUnknown("legacy");
    const row = h.services.db.keys.get(added.id)!;
    // What such a key looked like before: liveAllowed stored true, no sources, no confirmation.
    h.services.db.keys.recordProbe(added.id, { permissions: { ...row.permissions!, sources: undefined }, warnings: [], probeStatus: "ok", probeMessage: null, liveAllowed: true });
    expect(await h.caller.keys.get({ id: added.id })).toMatchObject({ liveAllowed: false, needsWithdrawConfirmation: true });
    const refused = await userErrorOf(h.caller.bots.deploy({ flow: flow(), market, mode: "live", keyId: added.id, confirmLive: true, name: "legacy live", start: false }));
    expect(refused).toMatchObject({ kind: "key", reason: "withdraw-unconfirmed" });
  });

  it("has nothing to confirm when the exchange reports the withdrawal right", async () => {
    const k = fakes.get("okx")!.keys.trade!;
    const key = await h.caller.keys.add({ exchange: "okx", label: "okx reported", apiKey: k.apiKey, secret: k.secret, password: k.passphrase });
    expect(await userErrorOf(h.caller.keys.confirmNoWithdraw({ id: key.id }))).toMatchObject({ kind: "key", reason: "withdraw-known" });
  });
});

describe("secrets", () => {
  it("no secret, passphrase or API key of any venue appears in the database file, logs, events or responses", () => {
    const secrets = [...fakes.values()].flatMap((f) => Object.values(f.keys).flatMap((k) => [k.secret, k.apiKey, k.passphrase ?? ""])).filter((s) => s !== "");
    expectNoSecrets(leakSites(h), secrets);
  });
});
