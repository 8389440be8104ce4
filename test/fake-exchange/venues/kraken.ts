// Kraken spot REST: API-Key, API-Sign = base64 HMAC-SHA512 (key: the base64-decoded secret) of
// path + SHA-256(nonce + POST body). Errors are {error: ["EAPI:…"]} with HTTP 200.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { sameSignature } from "./hmac";
import { header, VenueReply, type VenueDialect } from "./types";

const reject = (error: string) => new VenueReply(200, { error: [error] });

export const krakenDialect: VenueDialect = {
  id: "kraken",
  needsPassphrase: false,
  makeSecret: () => ({ secret: randomBytes(64).toString("base64") }),
  makeApiKey: () => randomBytes(42).toString("base64"),
  authenticate(req, keys) {
    const apiKey = header(req, "API-Key");
    const key = apiKey ? keys.get(apiKey) : undefined;
    if (!key) throw reject("EAPI:Invalid key");
    const nonce = new URLSearchParams(req.body).get("nonce") ?? "";
    if (!nonce) throw reject("EAPI:Invalid nonce");
    const digest = createHash("sha256").update(nonce + req.body).digest();
    const expected = createHmac("sha512", Buffer.from(key.secret, "base64")).update(Buffer.concat([Buffer.from(req.path), digest])).digest("base64");
    if (!sameSignature(header(req, "API-Sign"), expected)) throw reject("EAPI:Invalid signature");
    return key;
  },
  routes: {
    "POST /0/private/GetApiKeyInfo": (key) => ({
      error: [],
      result: {
        apiKeyName: "keyflow",
        apiKey: key.apiKey,
        nonce: String(Date.now()),
        nonceWindow: 0,
        permissions: ["query-funds", "query-open-trades", "query-closed-trades", ...(key.trade ? ["modify-trades", "close-trades"] : []), ...(key.withdraw ? ["withdraw-funds"] : [])],
        iban: "AA88 N84G WOAK NMOI",
        validUntil: "0",
        queryFrom: "0",
        queryTo: "0",
        createdTime: "1772542900",
        modifiedTime: "1772543095",
        ipAllowlist: key.ipWhitelist ? ["127.0.0.1/32"] : [],
        lastUsed: String(Math.floor(Date.now() / 1000)),
      },
    }),
  },
  notFound: (req) => reject(`EGeneral:Unknown method ${req.path}`),
};
