import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseBytes, expectNoSecrets, harness, leakSites, template, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h?.close();
});

const add = (name: "trade" | "readOnly" | "withdraw" | "noIpWhitelist" | "noRead", label: string = name) => {
  const k = h.fake.keys[name]!;
  return h.caller.keys.add({ exchange: "binance", label, apiKey: k.apiKey, secret: k.secret });
};

describe("keys.add: the permission probe decides", () => {
  it("stores a trading key with its permissions and a masked id, and never returns the secret", async () => {
    const key = await add("trade");
    const k = h.fake.keys.trade!;
    expect(key).toMatchObject({
      exchange: "binance",
      label: "trade",
      maskedKey: `${k.apiKey.slice(0, 4)}…${k.apiKey.slice(-4)}`,
      permissions: { canRead: true, canTrade: true, canWithdraw: false, ipRestricted: true, method: "binance-api-restrictions" },
      warnings: [],
      probe: { status: "ok", message: null },
      liveAllowed: true,
    });
    const json = JSON.stringify(await h.caller.keys.list());
    expect(json).not.toContain(k.secret);
    expect(json).not.toContain(k.apiKey);
  });

  it("refuses a key that can withdraw, saying to create one without withdrawal permission; nothing is stored", async () => {
    const before = (await h.caller.keys.list()).length;
    const err = await userErrorOf(add("withdraw"));
    expect(err).toMatchObject({ kind: "key", reason: "withdraw" });
    expect(err.message).toMatch(/withdraw.*create a key without withdrawal permission/i);
    expect((await h.caller.keys.list()).length).toBe(before);
  });

  it("accepts a key without an IP whitelist with a visible warning", async () => {
    const key = await add("noIpWhitelist");
    expect(key.liveAllowed).toBe(true);
    expect(key.warnings.join(" ")).toMatch(/no IP whitelist/);
  });

  it("accepts a read-only key for paper only", async () => {
    const key = await add("readOnly");
    expect(key.liveAllowed).toBe(false);
    expect(key.warnings.join(" ")).toMatch(/cannot trade/);
  });

  it("refuses a key that cannot read", async () => {
    expect(await userErrorOf(add("noRead"))).toMatchObject({ kind: "key", reason: "no-read" });
  });

  it("explains a bad signature (wrong secret) and an unknown API key", async () => {
    const k = h.fake.keys.trade!;
    const badSig = await userErrorOf(h.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: "0".repeat(48) }));
    expect(badSig).toMatchObject({ kind: "key", reason: "bad-signature" });
    expect(badSig.message).toMatch(/secret does not belong to this API key/);
    const wrong = await userErrorOf(h.caller.keys.add({ exchange: "binance", apiKey: "fakeNOTAKEY0123456789abcdef", secret: k.secret }));
    expect(wrong).toMatchObject({ kind: "key", reason: "bad-key" });
    expect(wrong.message).toMatch(/rejected this API key/);
    for (const e of [badSig, wrong]) expect(JSON.stringify(e)).not.toContain(k.secret);
  });

  it("asks for the fields the exchange needs and refuses unknown exchanges", async () => {
    expect(await h.caller.keys.requirements({ exchange: "okx" })).toMatchObject({ apiKey: true, secret: true, password: true });
    const noPass = await userErrorOf(h.caller.keys.add({ exchange: "okx", apiKey: "abcdefghijkl", secret: "s3cr3t-s3cr3t" }));
    expect(noPass).toMatchObject({ kind: "input", issues: [{ path: "password" }] });
    expect(noPass.message).toMatch(/passphrase/);
    expect(await userErrorOf(h.caller.keys.add({ exchange: "nope", apiKey: "abcdefghijkl", secret: "s3cr3t-s3cr3t" }))).toMatchObject({ kind: "input" });
  });
});

describe("keys.probe, rotate and remove", () => {
  it("re-probes on demand and records the time", async () => {
    const key = await add("trade", "probe me");
    const again = await h.caller.keys.probe({ id: key.id });
    expect(again.probe.status).toBe("ok");
    expect(again.probe.at).toBeGreaterThanOrEqual(key.probe.at);
  });

  it("rotates in place: new masked id, the old ciphertext is gone from the database file", async () => {
    const key = await add("trade", "rotate me");
    const row = h.services.db.keys.get(key.id)!;
    const oldSealed = [row.apiKeySealed, row.secretSealed];
    const n = h.fake.keys.noIpWhitelist!;
    const rotated = await h.caller.keys.rotate({ id: key.id, apiKey: n.apiKey, secret: n.secret });
    expect(rotated.id).toBe(key.id);
    expect(rotated.maskedKey).toBe(`${n.apiKey.slice(0, 4)}…${n.apiKey.slice(-4)}`);
    expect(rotated.rotatedAt).not.toBeNull();
    expect(h.services.db.keys.get(key.id)!.credentialsVersion).toBe(2);
    expect(h.services.keys.credentials(key.id).secret).toBe(n.secret);
    const bytes = databaseBytes(h.dir);
    for (const s of oldSealed) expect(bytes.includes(s.split(".")[3]!)).toBe(false);
  });

  it("refuses a rotation to credentials the exchange rejects, keeping the old ones", async () => {
    const key = await add("trade", "keep me");
    const err = await userErrorOf(h.caller.keys.rotate({ id: key.id, apiKey: h.fake.keys.trade!.apiKey, secret: "f".repeat(48) }));
    expect(err).toMatchObject({ kind: "key", reason: "bad-signature" });
    expect(h.services.keys.credentials(key.id).secret).toBe(h.fake.keys.trade!.secret);
  });

  it("refuses to delete a key while a live bot uses it, naming the bot; deletes it once the bot is stopped", async () => {
    const key = await add("trade", "in use");
    const flow = template("sma-cross");
    const bot = await h.caller.bots.deploy({ flow, market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" }, mode: "live", keyId: key.id, confirmLive: true, name: "Busy bot" });
    const err = await userErrorOf(h.caller.keys.remove({ id: key.id }));
    expect(err.kind).toBe("conflict");
    expect(err.message).toContain(`"Busy bot" (${bot.id})`);
    expect(err.message).toMatch(/stop it first/);
    await h.caller.bots.stop({ id: bot.id });
    expect(await h.caller.keys.remove({ id: key.id })).toEqual({ removed: true });
    expect((await h.caller.bots.get({ id: bot.id })).keyId).toBeNull();
  });
});

describe("secrets", () => {
  it("no secret appears in the database file, logs, events, responses or exported templates", async () => {
    const exported = JSON.stringify(await h.caller.templates.export({ flow: template("sma-cross") }));
    const secrets = Object.values(h.fake.keys).flatMap((k) => [k.secret, k.apiKey]);
    expectNoSecrets(leakSites(h, { exported }), secrets);
  });
});
