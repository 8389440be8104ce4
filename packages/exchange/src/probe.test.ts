import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { judgeProbe, KeyCheckError, probePermissions } from "./probe";
import { harness, type Harness } from "./testing/fake";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

async function probeError(p: Promise<unknown>): Promise<KeyCheckError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyCheckError);
  return e as KeyCheckError;
}

describe("probePermissions + judgeProbe against the fake Binance", () => {
  it("accepts a read+trade key with an IP whitelist and no withdrawals, without warnings", async () => {
    const result = await probePermissions(h.connect());
    expect(result).toEqual({
      canRead: true,
      canTrade: true,
      canWithdraw: false,
      ipRestricted: true,
      method: "binance-api-restrictions",
      sources: { canRead: "reported", canTrade: "reported", canWithdraw: "reported", ipRestricted: "reported" },
      warnings: [],
    });
    expect(judgeProbe(result)).toEqual({ accepted: true, liveAllowed: true, errors: [], warnings: [], needsWithdrawConfirmation: false });
    expect(h.fake.stats.count({ path: "/sapi/v1/account/apiRestrictions" })).toBe(1);
  });

  it("refuses a withdrawal-enabled key and says to create one without withdrawal permission", async () => {
    const verdict = judgeProbe(await probePermissions(h.connect({ key: h.fake.keys.withdraw! })));
    expect(verdict.accepted).toBe(false);
    expect(verdict.liveAllowed).toBe(false);
    expect(verdict.errors.join(" ")).toMatch(/create a key without withdrawal permission/);
  });

  it("accepts a key without IP whitelist with a visible warning", async () => {
    const verdict = judgeProbe(await probePermissions(h.connect({ key: h.fake.keys.noIpWhitelist! })));
    expect(verdict.accepted).toBe(true);
    expect(verdict.warnings.join(" ")).toMatch(/no IP whitelist/);
  });

  it("says clearly that a read-only key cannot trade (paper only)", async () => {
    const result = await probePermissions(h.connect({ key: h.fake.keys.readOnly! }));
    expect(result.canTrade).toBe(false);
    const verdict = judgeProbe(result);
    expect(verdict).toMatchObject({ accepted: true, liveAllowed: false });
    expect(verdict.warnings.join(" ")).toMatch(/cannot trade/);
  });

  it("refuses a key that cannot read", async () => {
    const verdict = judgeProbe(await probePermissions(h.connect({ key: h.fake.keys.noRead! })));
    expect(verdict.accepted).toBe(false);
    expect(verdict.errors.join(" ")).toMatch(/cannot read/);
  });

  it("explains a bad signature (wrong secret) without ever showing the secret", async () => {
    const wrongSecret = "f".repeat(48);
    const e = await probeError(probePermissions(h.connect({ key: { apiKey: h.fake.keys.trade!.apiKey, secret: wrongSecret } })));
    expect(e.kind).toBe("bad-signature");
    expect(e.message).toMatch(/secret does not belong to this API key/);
    for (const s of [wrongSecret, h.fake.keys.trade!.secret, h.fake.keys.trade!.apiKey]) {
      expect(e.message).not.toContain(s);
      expect(String(e.stack)).not.toContain(s);
    }
  });

  it("explains an unknown API key without showing the secret", async () => {
    const secret = h.fake.keys.trade!.secret;
    const e = await probeError(probePermissions(h.connect({ key: { apiKey: "AbC1-not-a-key-9xYz", secret } })));
    expect(e.kind).toBe("bad-key");
    expect(e.message).toMatch(/rejected this API key/);
    expect(e.message).not.toContain(secret);
  });

  it("falls back to a signed read on exchanges without a permissions endpoint (permissions unknown)", async () => {
    const ex = h.connect({ exchangeId: "binanceus" });
    const result = await probePermissions(ex);
    expect(result).toMatchObject({
      method: "signed-read",
      canRead: true,
      canTrade: "unknown",
      canWithdraw: "unknown",
      ipRestricted: "unknown",
      sources: { canRead: "inferred", canTrade: "unknown", canWithdraw: "unknown", ipRestricted: "unknown" },
    });
    const verdict = judgeProbe(result);
    expect(verdict).toMatchObject({ accepted: true, liveAllowed: false, needsWithdrawConfirmation: true });
    expect(verdict.warnings.join(" ")).toMatch(/could not check whether this key can withdraw: it may run paper bots only/);
    const confirmed = judgeProbe(result, { withdrawOffConfirmed: true });
    expect(confirmed).toMatchObject({ accepted: true, liveAllowed: true, needsWithdrawConfirmation: false });
    expect(confirmed.warnings.join(" ")).toMatch(/You confirmed that withdrawals are disabled/);
    expect(h.fake.stats.count({ path: "/api/v3/account" })).toBe(1);
  });
});
