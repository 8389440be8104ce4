// Asks the exchange what an API key may do, and decides whether Keyflow accepts it.
import type { Exchange } from "ccxt";
import { describeKeyError, type ErrorKind } from "./errors";
import { secretsOf } from "./redact";
import type { Retrier } from "./retry";

/** true / false when the exchange told us; "unknown" when it has no way to say. */
export type Permission = boolean | "unknown";

export interface ProbeResult {
  canRead: Permission;
  canTrade: Permission;
  canWithdraw: Permission;
  ipRestricted: Permission;
  method: "binance-api-restrictions" | "signed-read";
  warnings: string[];
}

/** A probe that could not run because the exchange refused the key (or could not be reached). */
export class KeyCheckError extends Error {
  override readonly name = "KeyCheckError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

interface BinanceRestrictions {
  sapiGetAccountApiRestrictions(params?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const hasApiRestrictions = (ex: Exchange): ex is Exchange & BinanceRestrictions =>
  ex.id === "binance" && typeof (ex as Partial<BinanceRestrictions>).sapiGetAccountApiRestrictions === "function";

/**
 * Binance: GET /sapi/v1/account/apiRestrictions (ccxt `sapiGetAccountApiRestrictions`) reports
 * enableReading, enableSpotAndMarginTrading, enableWithdrawals and ipRestrict. Elsewhere a signed
 * fetchBalance proves the key can read; trading and withdrawal stay "unknown".
 * Throws KeyCheckError with a message that never contains the credentials.
 */
export async function probePermissions(exchange: Exchange, opts: { retrier?: Retrier } = {}): Promise<ProbeResult> {
  const secrets = secretsOf(exchange);
  const name = exchange.name ?? exchange.id;
  const read = <T>(label: string, fn: () => Promise<T>): Promise<T> =>
    opts.retrier ? opts.retrier.call(exchange, label, fn, { idempotent: true }) : fn();
  try {
    if (hasApiRestrictions(exchange)) {
      const r = await read("probe apiRestrictions", () => exchange.sapiGetAccountApiRestrictions());
      const canRead = r["enableReading"] === true;
      const canTrade = r["enableSpotAndMarginTrading"] === true;
      const canWithdraw = r["enableWithdrawals"] === true;
      const ipRestricted = r["ipRestrict"] === true;
      return { canRead, canTrade, canWithdraw, ipRestricted, method: "binance-api-restrictions", warnings: [] };
    }
    await read("probe fetchBalance", () => exchange.fetchBalance());
    return {
      canRead: true,
      canTrade: "unknown",
      canWithdraw: "unknown",
      ipRestricted: "unknown",
      method: "signed-read",
      warnings: [`${name} does not report an API key's permissions: Keyflow checked only that the key can read the account.`],
    };
  } catch (e) {
    const { kind, message } = describeKeyError(e, name, secrets);
    throw new KeyCheckError(kind, message);
  }
}

export interface ProbeVerdict {
  /** False: do not store the key (or stop using it). */
  accepted: boolean;
  /** True when the key may run live bots. */
  liveAllowed: boolean;
  /** Why the key is refused; empty when accepted. */
  errors: string[];
  /** Shown next to an accepted key. */
  warnings: string[];
}

/** Keyflow's policy on a probe result. */
export function judgeProbe(result: ProbeResult): ProbeVerdict {
  const errors: string[] = [];
  const warnings = [...result.warnings];
  if (result.canWithdraw === true) {
    errors.push(
      "This API key can withdraw funds. Keyflow refuses keys with withdrawal permission: create a key without withdrawal permission and add that one instead.",
    );
  } else if (result.canWithdraw === "unknown") {
    warnings.push("Keyflow could not check whether this key can withdraw: make sure withdrawals are disabled for it on the exchange.");
  }
  if (result.canRead === false) {
    errors.push("This API key cannot read the account (balances, orders): enable reading for it on the exchange, or create a new key with reading enabled.");
  }
  let liveAllowed = errors.length === 0;
  if (result.canTrade === false) {
    liveAllowed = false;
    warnings.push("This API key cannot trade: it can be used for paper bots only. To run live bots, enable spot trading for it on the exchange.");
  } else if (result.canTrade === "unknown") {
    warnings.push("Keyflow could not check whether this key can trade: the first live order will tell.");
  }
  if (result.ipRestricted === false) {
    warnings.push(
      "This API key has no IP whitelist: anyone who obtains it can use it from anywhere. Restrict it to this server's IP address in the exchange's API settings.",
    );
  }
  return { accepted: errors.length === 0, liveAllowed, errors, warnings };
}
