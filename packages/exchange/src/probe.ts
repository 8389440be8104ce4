// Asks the exchange what an API key may do, and decides whether Keyflow accepts it.
import type { KeyRight, ProbeResult } from "@keyflow/core";
import { NotSupported, type Exchange } from "ccxt";
import { describeKeyError, type ErrorKind } from "./errors";
import { callImplicit, PERMISSION_READERS, ProbeShapeError } from "./probes";
import { secretsOf } from "./redact";
import type { Retrier } from "./retry";

export type { KeyRight as Permission, ProbeResult };

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

/**
 * Asks the exchange what the key may do, through the exchange's own key-permission call where
 * there is one (probes/: Binance, OKX, Bybit, Coinbase, KuCoin, Bitget, Kraken — see the README's
 * table). Elsewhere a signed fetchBalance proves the key can read; the other rights stay "unknown".
 * Throws KeyCheckError with a message that never contains the credentials.
 */
export async function probePermissions(exchange: Exchange, opts: { retrier?: Retrier } = {}): Promise<ProbeResult> {
  const secrets = secretsOf(exchange);
  const name = exchange.name ?? exchange.id;
  const read = <T>(label: string, fn: () => Promise<T>): Promise<T> =>
    opts.retrier ? opts.retrier.call(exchange, label, fn, { idempotent: true }) : fn();
  const reader = PERMISSION_READERS[exchange.id];
  try {
    // A testnet without the permission endpoint (Binance's spot testnet has no /sapi): ccxt says so
    // before sending anything, and the signed read below is all the testnet can tell.
    const onTestnet = exchange.isSandboxModeEnabled === true;
    if (reader) {
      try {
        const answer = await read(`probe ${reader.method}`, () => callImplicit(exchange, reader.ccxtMethod));
        return { method: reader.method, ...reader.read(answer, name) };
      } catch (e) {
        if (!(onTestnet && e instanceof NotSupported)) throw e;
      }
    }
    await read("probe fetchBalance", () => exchange.fetchBalance());
    return {
      canRead: true,
      canTrade: "unknown",
      canWithdraw: "unknown",
      ipRestricted: "unknown",
      method: "signed-read",
      sources: { canRead: "inferred", canTrade: "unknown", canWithdraw: "unknown", ipRestricted: "unknown" },
      warnings: [`${name} does not report an API key's permissions: Keyflow checked only that the key can read the account.`],
    };
  } catch (e) {
    if (e instanceof ProbeShapeError) throw new KeyCheckError("rejected", e.message);
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
  /**
   * The withdrawal right stays unknown and the person has not confirmed that withdrawals are
   * disabled: paper bots only until they do (keys.confirmNoWithdraw, `keyflow keys confirm-no-withdraw`).
   */
  needsWithdrawConfirmation: boolean;
}

/** Said on a key whose withdrawal right Keyflow cannot check, until the person confirms it is off. */
export const WITHDRAW_UNKNOWN_WARNING =
  "Keyflow could not check whether this key can withdraw: it may run paper bots only. Disable withdrawals for it on the exchange, then confirm that here (Confirm no withdrawals, or `keyflow keys confirm-no-withdraw <id>`) to run live bots.";
export const WITHDRAW_CONFIRMED_NOTE =
  "You confirmed that withdrawals are disabled for this key (the exchange does not report it); Keyflow relies on that for live bots.";

/**
 * Keyflow's policy on a probe result: a key that can withdraw is refused; one whose withdrawal right
 * is unknown may trade live only once the person confirmed withdrawals are disabled for it.
 */
export function judgeProbe(result: Omit<ProbeResult, "sources">, opts: { withdrawOffConfirmed?: boolean; testnet?: boolean } = {}): ProbeVerdict {
  const errors: string[] = [];
  const warnings = [...result.warnings];
  let needsWithdrawConfirmation = false;
  if (result.canWithdraw === true) {
    errors.push(
      "This API key can withdraw funds. Keyflow refuses keys with withdrawal permission: create a key without withdrawal permission and add that one instead.",
    );
  } else if (result.canWithdraw === "unknown" && opts.testnet !== true) {
    // (A testnet key holds no real money: nothing to confirm.)
    needsWithdrawConfirmation = opts.withdrawOffConfirmed !== true;
    warnings.push(needsWithdrawConfirmation ? WITHDRAW_UNKNOWN_WARNING : WITHDRAW_CONFIRMED_NOTE);
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
  if (needsWithdrawConfirmation) liveAllowed = false;
  const accepted = errors.length === 0;
  return { accepted, liveAllowed: accepted && liveAllowed, errors, warnings, needsWithdrawConfirmation: accepted && needsWithdrawConfirmation };
}
