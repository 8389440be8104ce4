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
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from "ccxt";
import { describe, expect, it } from "vitest";
import { classifyError, describeKeyError, isTransient, provesNotExecuted, retryAfterMs } from "./errors";
import { redact } from "./redact";

describe("classifyError", () => {
  it("maps ccxt's hierarchy to what we do about it", () => {
    const cases: Array<[Error, string]> = [
      [new DDoSProtection("binance 429 Too Many Requests {}"), "rate-limited"],
      [new RateLimitExceeded('binance {"code":-1003}'), "rate-limited"],
      [new InvalidNonce('binance {"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'), "clock"],
      [new RequestTimeout("binance GET x request timed out (10000 ms)"), "timeout"],
      [new ExchangeNotAvailable("binance GET x 503 Service Unavailable"), "unavailable"],
      [new NetworkError("binance POST x fetch failed: other side closed"), "network"],
      [new InsufficientFunds("Account has insufficient balance for requested action."), "insufficient-funds"],
      [new InvalidOrder('binance {"code":-2010,"msg":"Duplicate order sent."}'), "invalid-order"],
      [new BadRequest('binance {"code":-1013,"msg":"Filter failure: NOTIONAL"}'), "invalid-order"],
      [new OrderNotFound('binance {"code":-2013}'), "order-not-found"],
      [new AuthenticationError('binance {"code":-1022,"msg":"Signature for this request is not valid."}'), "bad-signature"],
      [new AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'), "bad-key"],
      [new PermissionDenied("binance This account may not place or cancel orders."), "permission"],
      [new ExchangeError("binance something else"), "rejected"],
      [new TypeError("x is undefined"), "unknown"],
    ];
    for (const [e, kind] of cases) expect([e.constructor.name, classifyError(e)]).toEqual([e.constructor.name, kind]);
  });

  it("does not treat ccxt's -2015-as-DDoSProtection workaround as a rate limit", () => {
    const e = new DDoSProtection('binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}');
    expect(classifyError(e)).toBe("permission");
    expect(isTransient(classifyError(e))).toBe(false);
  });

  it("only a refusal before processing proves an order was not executed", () => {
    expect(provesNotExecuted("rate-limited", new DDoSProtection(""))).toBe(true);
    expect(provesNotExecuted("clock", new InvalidNonce(""))).toBe(true);
    expect(provesNotExecuted("unavailable", new ExchangeNotAvailable("503"))).toBe(false);
    expect(provesNotExecuted("timeout", new RequestTimeout(""))).toBe(false);
    expect(provesNotExecuted("network", new NetworkError("fetch failed: other side closed"))).toBe(false);
    expect(provesNotExecuted("network", new NetworkError("fetch failed: connect ECONNREFUSED 127.0.0.1:1"))).toBe(true);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds or an HTTP date, case-insensitively", () => {
    expect(retryAfterMs({ "Retry-After": "7" }, 0)).toBe(7000);
    expect(retryAfterMs({ "retry-after": "0.5" }, 0)).toBe(500);
    const now = Date.UTC(2024, 0, 1);
    expect(retryAfterMs({ "Retry-After": new Date(now + 30_000).toUTCString() }, now)).toBe(30_000);
    expect(retryAfterMs({}, 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});

describe("describeKeyError and redact", () => {
  it("never repeats the credentials, even when the exchange echoes them", () => {
    const secret = "s3cr3t-VALUE-that-must-not-leak";
    const e = new ExchangeError(`binance weird answer for secret=${secret}&key=AbCdEf123456`);
    const { message } = describeKeyError(e, "Binance", [secret, "AbCdEf123456"]);
    expect(message).not.toContain(secret);
    expect(message).not.toContain("AbCdEf123456");
    expect(message).toContain("[redacted]");
  });

  it("redacts raw and URL-encoded forms, longest first, and ignores trivially short strings", () => {
    expect(redact("a=ab/cd+ef&b=ab%2Fcd%2Bef", ["ab/cd+ef"])).toBe("a=[redacted]&b=[redacted]");
    expect(redact("secret-longer secret", ["secret", "secret-longer"])).toBe("[redacted] [redacted]");
    expect(redact("abc", ["ab", "", undefined, null])).toBe("abc");
  });
});
