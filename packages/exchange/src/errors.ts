// What a ccxt error means for us: worth a retry, a rejection to report, or a key problem to explain.
import {
  AuthenticationError,
  BadRequest,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  OperationFailed,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from "ccxt";
import { redact } from "./redact";

export type ErrorKind =
  /** 429 / 418 / -1003: the request was refused before being processed. Back off, then retry. */
  | "rate-limited"
  /** -1021 and friends: our timestamp is outside the exchange's window. Resync the clock, retry. */
  | "clock"
  /** 5xx, maintenance, "server busy": the exchange answered but did not serve us. */
  | "unavailable"
  /** No answer within the timeout. */
  | "timeout"
  /** The connection failed or was cut. */
  | "network"
  | "bad-key"
  | "bad-signature"
  /** OKX, KuCoin, Bitget: the passphrase chosen when the key was created does not match. */
  | "bad-passphrase"
  | "permission"
  | "insufficient-funds"
  | "invalid-order"
  | "order-not-found"
  /** Any other exchange error: the exchange looked at the request and said no. */
  | "rejected"
  /** Not a ccxt error: a bug, never retried. */
  | "unknown";

/** Kinds where the exchange did not process the request (or a read can simply be repeated). */
const TRANSIENT: ReadonlySet<ErrorKind> = new Set(["rate-limited", "clock", "unavailable", "timeout", "network"]);
export const isTransient = (kind: ErrorKind): boolean => TRANSIENT.has(kind);

/**
 * Kinds that prove a state-changing request was NOT executed, so resending it cannot duplicate it.
 * Binance: "HTTP 5XX ... the execution status is UNKNOWN and could have been a success" — so 5xx,
 * timeouts and cut connections are not in this set.
 */
export const provesNotExecuted = (kind: ErrorKind, error: unknown): boolean =>
  kind === "rate-limited" || kind === "clock" || (kind === "network" && /ECONNREFUSED|ConnectionRefused/.test(messageOf(error)));

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Binance error code in a ccxt message body like `binance {"code":-2015,"msg":"..."}`. */
export function exchangeErrorCode(e: unknown): number | undefined {
  const m = /"code"\s*:\s*(-?\d+)/.exec(messageOf(e));
  return m ? Number(m[1]) : undefined;
}

/**
 * Authentication answers that ccxt maps to one AuthenticationError but that mean different fixes:
 * by ccxt exchange id, the venue's error code (or Kraken's error text) → what is wrong.
 */
const VENUE_AUTH_ERRORS: Readonly<Record<string, Readonly<Record<string, ErrorKind>>>> = {
  okx: { "50105": "bad-passphrase", "50111": "bad-key", "50113": "bad-signature", "50110": "permission" },
  bybit: { "10003": "bad-key", "10004": "bad-signature", "10010": "permission" },
  kucoin: { "400003": "bad-key", "400004": "bad-passphrase", "400005": "bad-signature", "400006": "permission" },
  bitget: { "40006": "bad-key", "40009": "bad-signature", "40012": "bad-passphrase", "40018": "permission" },
  kraken: { "EAPI:Invalid key": "bad-key", "EAPI:Invalid signature": "bad-signature", "EGeneral:Permission denied": "permission" },
};

/** `okx {"code":"50113",…}`, `bybit {"retCode":10004,…}`, `kraken {"error":["EAPI:Invalid key"]}` → its kind. */
function venueAuthError(e: unknown): ErrorKind | undefined {
  const m = /^([a-z0-9]+) /.exec(messageOf(e));
  const table = m ? VENUE_AUTH_ERRORS[m[1]!] : undefined;
  if (!table) return undefined;
  const code = /"(?:code|retCode)"\s*:\s*"?(\d+)"?/.exec(messageOf(e))?.[1];
  if (code !== undefined && table[code]) return table[code];
  return Object.entries(table).find(([text]) => !/^\d+$/.test(text) && messageOf(e).includes(text))?.[1];
}

export function classifyError(e: unknown): ErrorKind {
  const venue = venueAuthError(e);
  if (venue) return venue;
  const code = exchangeErrorCode(e);
  // ccxt's binance turns -2015 into DDoSProtection once the instance has authenticated successfully
  // ("a workaround ... raised by Binance on a temporary ban"). It is as often a missing permission
  // (a read-only key placing an order), so it must not be retried as a rate limit.
  if (code === -2015 || code === -2014 || code === -2008) {
    return e instanceof DDoSProtection || e instanceof PermissionDenied ? "permission" : "bad-key";
  }
  if (code === -1022) return "bad-signature";
  if (e instanceof RateLimitExceeded || e instanceof DDoSProtection) return "rate-limited";
  if (e instanceof InvalidNonce) return "clock";
  if (e instanceof RequestTimeout) return "timeout";
  if (e instanceof ExchangeNotAvailable) return "unavailable";
  if (e instanceof NetworkError) return "network";
  if (e instanceof PermissionDenied) return "permission";
  if (e instanceof AuthenticationError) return "bad-key";
  if (e instanceof InsufficientFunds) return "insufficient-funds";
  if (e instanceof OrderNotFound) return "order-not-found";
  if (e instanceof InvalidOrder) return "invalid-order";
  // ccxt maps Binance -1013 ("Filter failure: NOTIONAL", "... LOT_SIZE") to BadRequest, not InvalidOrder.
  if (e instanceof BadRequest && (code === -1013 || /Filter failure/.test(messageOf(e)))) return "invalid-order";
  if (e instanceof ExchangeError) return "rejected";
  if (e instanceof OperationFailed) return "unavailable";
  return "unknown";
}

/** Retry-After (seconds or an HTTP date) from response headers, in ms; undefined if absent. */
export function retryAfterMs(headers: Record<string, unknown> | undefined, now: number): number | undefined {
  if (!headers) return undefined;
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === "retry-after");
  if (!entry || entry[1] === undefined || entry[1] === null) return undefined;
  const raw = String(entry[1]).trim();
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Thrown by the retrier when a state-changing request may or may not have been executed. */
export class UnknownOutcomeError extends Error {
  override readonly name = "UnknownOutcomeError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface KeyErrorDescription {
  kind: ErrorKind;
  /** Safe to show and log: never contains the secret, the passphrase or the full API key. */
  message: string;
}

/** A user-facing explanation of why a key check or a signed call failed. */
export function describeKeyError(e: unknown, exchangeName: string, secrets: ReadonlyArray<string | undefined> = []): KeyErrorDescription {
  const kind = classifyError(e);
  const name = exchangeName;
  const messages: Partial<Record<ErrorKind, string>> = {
    "bad-key": `${name} rejected this API key. Check that the key was copied completely, that it is still enabled, and — if it has an IP whitelist — that this server's IP address is on it.`,
    "bad-signature": `${name} rejected the request signature: the secret does not belong to this API key. Paste the secret again exactly as ${name} showed it when the key was created.`,
    "bad-passphrase": `${name} rejected the passphrase of this API key. Enter the passphrase you chose when you created the key on ${name} (it is not your account password); if it is lost, create a new key.`,
    permission: `${name} refused this action for this API key: the key lacks the permission it needs (or this server's IP is not whitelisted). Check the key's permissions in ${name}'s API management.`,
    clock: `${name} rejected the request time: this server's clock differs from the exchange's. Enable time synchronisation (NTP) on the server and try again.`,
    "rate-limited": `${name} is rate-limiting this server. Wait a minute and try again.`,
    timeout: `${name} did not answer in time. Try again in a moment.`,
    unavailable: `${name} is unavailable right now (maintenance or a server error). Try again later.`,
    network: `Could not reach ${name}: check this server's network connection.`,
  };
  const known = messages[kind];
  if (known) return { kind, message: known };
  if (e instanceof Error && e.message.includes("credential")) {
    // ccxt: 'binance requires "secret" credential' — names the field, never a value.
    return { kind: "bad-key", message: `${name} needs more credentials for this key: ${redact(e.message, secrets)}` };
  }
  return { kind, message: `${name} refused the key check: ${redact(messageOf(e), secrets)}` };
}
