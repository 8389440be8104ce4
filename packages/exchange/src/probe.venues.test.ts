// The key probe against loopback fakes that speak each exchange's signing scheme, through ccxt's own
// class of that exchange: what each venue reports, and what Keyflow decides.
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVenueFake, type VenueFake, type VenueId, type VenueKey } from "../../../test/fake-exchange/index";
import { createExchange, redirectExchange } from "./createExchange";
import { judgeProbe, KeyCheckError, probePermissions } from "./probe";

interface Case {
  venue: VenueId;
  /** How the trade key's rights are established on this venue. */
  sources: Record<"canRead" | "canTrade" | "canWithdraw" | "ipRestricted", "reported" | "inferred" | "unknown">;
  /** The venue cannot say whether the key has an IP whitelist. */
  ipUnknown?: boolean;
  /** Keys of this venue have a passphrase. */
  passphrase?: boolean;
}

const R = "reported" as const;
const CASES: Case[] = [
  { venue: "okx", passphrase: true, sources: { canRead: R, canTrade: R, canWithdraw: R, ipRestricted: R } },
  { venue: "bybit", sources: { canRead: "inferred", canTrade: R, canWithdraw: R, ipRestricted: R } },
  { venue: "kucoin", passphrase: true, sources: { canRead: R, canTrade: R, canWithdraw: R, ipRestricted: R } },
  { venue: "bitget", passphrase: true, sources: { canRead: "inferred", canTrade: R, canWithdraw: R, ipRestricted: R } },
  { venue: "kraken", sources: { canRead: R, canTrade: R, canWithdraw: R, ipRestricted: R } },
  { venue: "coinbase", sources: { canRead: R, canTrade: R, canWithdraw: R, ipRestricted: "unknown" }, ipUnknown: true },
];

describe.each(CASES)("probePermissions against the fake $venue", ({ venue, sources, ipUnknown, passphrase }) => {
  let fake: VenueFake;
  const made: Exchange[] = [];
  beforeAll(async () => {
    fake = await startVenueFake(venue);
  });
  afterAll(async () => {
    for (const ex of made) await ex.close();
    await fake.close();
  });

  const connect = (key: VenueKey, override: Partial<{ secret: string; passphrase: string; apiKey: string }> = {}) => {
    const passphrase = override.passphrase ?? key.passphrase;
    const ex = createExchange({
      exchangeId: venue,
      credentials: { apiKey: override.apiKey ?? key.apiKey, secret: override.secret ?? key.secret, ...(passphrase !== undefined ? { password: passphrase } : {}) },
      ccxtRateLimitMs: 1,
      timeoutMs: 3000,
    });
    made.push(redirectExchange(ex, fake.url));
    return ex;
  };

  const failure = async (ex: Exchange): Promise<KeyCheckError> => {
    const e = await probePermissions(ex).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(KeyCheckError);
    return e as KeyCheckError;
  };

  const secretsOfAll = () => Object.values(fake.keys).flatMap((k) => [k.secret, k.passphrase ?? "", k.apiKey].filter((s) => s !== ""));

  it("accepts a trade-only key with an IP whitelist for live bots, saying how each right was established", async () => {
    const result = await probePermissions(connect(fake.keys.trade!));
    expect(result).toMatchObject({ canRead: true, canTrade: true, canWithdraw: false, ipRestricted: ipUnknown ? "unknown" : true, sources });
    const verdict = judgeProbe(result);
    expect(verdict).toMatchObject({ accepted: true, liveAllowed: true, needsWithdrawConfirmation: false, errors: [] });
    if (ipUnknown) expect(verdict.warnings).toEqual([expect.stringMatching(/does not report whether a key has an IP allowlist/)]);
    else expect(verdict.warnings).toEqual([]);
  });

  it("refuses a key that can withdraw", async () => {
    const result = await probePermissions(connect(fake.keys.withdraw!));
    expect(result.canWithdraw).toBe(true);
    expect(result.sources.canWithdraw).toBe("reported");
    const verdict = judgeProbe(result);
    expect(verdict).toMatchObject({ accepted: false, liveAllowed: false });
    expect(verdict.errors.join(" ")).toMatch(/create a key without withdrawal permission/);
  });

  it("limits a read-only key to paper bots", async () => {
    const result = await probePermissions(connect(fake.keys.readOnly!));
    expect(result).toMatchObject({ canRead: true, canTrade: false });
    const verdict = judgeProbe(result);
    expect(verdict).toMatchObject({ accepted: true, liveAllowed: false });
    expect(verdict.warnings.join(" ")).toMatch(/cannot trade: it can be used for paper bots only/);
  });

  it.skipIf(ipUnknown)("warns about a key without an IP whitelist", async () => {
    const verdict = judgeProbe(await probePermissions(connect(fake.keys.noIpWhitelist!)));
    expect(verdict).toMatchObject({ accepted: true, liveAllowed: true });
    expect(verdict.warnings.join(" ")).toMatch(/no IP whitelist/);
  });

  it("explains a wrong secret without showing any credential", async () => {
    const other = fake.venue.makeSecret().secret;
    const e = await failure(connect(fake.keys.trade!, { secret: other }));
    expect(e.kind).toBe(venue === "coinbase" ? "bad-key" : "bad-signature");
    expect(e.message).toMatch(venue === "coinbase" ? /rejected this API key/ : /secret does not belong to this API key/);
    for (const s of [other, ...secretsOfAll()]) {
      expect(e.message).not.toContain(s);
      expect(String(e.stack)).not.toContain(s);
    }
  });

  it("explains an unknown API key", async () => {
    const e = await failure(connect(fake.keys.trade!, { apiKey: fake.venue.makeApiKey("nobody") }));
    expect(e.kind).toBe("bad-key");
    expect(e.message).toMatch(/rejected this API key/);
  });

  it("has a passphrase exactly where ccxt asks for one", () => {
    expect(fake.venue.needsPassphrase).toBe(passphrase === true);
    expect(createExchange({ exchangeId: venue }).requiredCredentials["password"]).toBe(passphrase === true);
  });

  it.skipIf(!passphrase)("explains a wrong passphrase without showing it", async () => {
    const wrong = "Not-The-Passphrase-42";
    const e = await failure(connect(fake.keys.trade!, { passphrase: wrong }));
    expect(e.kind).toBe("bad-passphrase");
    expect(e.message).toMatch(/rejected the passphrase of this API key/);
    for (const s of [wrong, ...secretsOfAll()]) expect(e.message).not.toContain(s);
  });
});
