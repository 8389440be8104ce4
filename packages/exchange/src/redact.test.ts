import { describe, expect, it } from "vitest";
import { redact, scrub } from "./redact";

describe("scrub: signed requests by their shape", () => {
  it("removes the query of a signed URL and keeps a public one", () => {
    const signed = "binance GET https://api.binance.com/api/v3/myTrades?symbol=BTCUSDT&timestamp=1717000000000&recvWindow=10000&signature=efd62aa0c1 503 Service Unavailable";
    const out = scrub(signed);
    expect(out).toBe("binance GET https://api.binance.com/api/v3/myTrades?[signed query removed] 503 Service Unavailable");
    const pub = "binance GET https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=1m 500";
    expect(scrub(pub)).toBe(pub);
  });

  it("removes signatures and credential headers wherever they appear", () => {
    expect(scrub("body: symbol=BTCUSDT&side=BUY&signature=abc123def")).toBe("body: symbol=BTCUSDT&side=BUY&signature=[redacted]");
    expect(scrub('headers {"X-MBX-APIKEY":"vmPUZE6mv9SD5VNH","Content-Type":"x"}')).toBe('headers {"X-MBX-APIKEY":"[redacted]","Content-Type":"x"}');
    expect(scrub("OK-ACCESS-KEY: abcd-1234, OK-ACCESS-PASSPHRASE: hunter22")).toBe("OK-ACCESS-KEY: [redacted], OK-ACCESS-PASSPHRASE: [redacted]");
    // Prose about signatures is left alone.
    const prose = "Binance rejected the request signature: the secret does not belong to this API key.";
    expect(scrub(prose)).toBe(prose);
  });

  it("removes a user data stream's listen key from websocket URLs and messages", () => {
    const listenKey = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1";
    expect(scrub(`binance connection closed: wss://stream.binance.com:9443/ws/${listenKey} 1006`)).toBe("binance connection closed: wss://stream.binance.com:9443/ws/[redacted] 1006");
    expect(scrub(`wss://fstream.binance.com/private/ws?listenKey=${listenKey}&x=1`)).toBe("wss://fstream.binance.com/private/ws?[signed query removed]");
    expect(scrub(`{"listenKey":"${listenKey}"}`)).toBe('{"listenKey":"[redacted]"}');
    // A public stream URL keeps its path.
    const pub = "wss://stream.binance.com:9443/ws/0 closed";
    expect(scrub(pub)).toBe(pub);
  });

  it("turns a pasted HTML error page into one sentence with its status", () => {
    const html = "binance GET https://api.binance.com/api/v3/order 502 Bad Gateway <html><head><title>502</title></head><body><h1>502 Bad Gateway</h1><script>x</script></body></html> (retrying)";
    expect(scrub(html)).toBe("binance GET https://api.binance.com/api/v3/order 502 Bad Gateway (the exchange answered HTTP 502 with an error page) (retrying)");
    expect(scrub("<!DOCTYPE html><html><body>down")).toBe("(the exchange answered with an error page)");
  });

  it("redact removes known secrets, encoded too, and scrubs shapes", () => {
    const secret = "s3cr3t/+=value";
    expect(redact(`key ${secret} and ${encodeURIComponent(secret)} at https://x.test/a?timestamp=1&signature=ff`, [secret])).toBe(
      "key [redacted] and [redacted] at https://x.test/a?[signed query removed]",
    );
  });
});
