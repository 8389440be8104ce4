// OKX v5: OK-ACCESS-KEY / -PASSPHRASE / -TIMESTAMP (ISO 8601) / -SIGN = base64 HMAC-SHA256 of
// timestamp + METHOD + path with query + body. Errors are {code, msg, data} with OKX's codes.
import { randomBytes, randomUUID } from "node:crypto";
import { hmacSha256, sameSignature } from "./hmac";
import { header, VenueReply, type VenueDialect } from "./types";

const reject = (code: string, msg: string, status = 401) => new VenueReply(status, { code, msg, data: [] });

export const okxDialect: VenueDialect = {
  id: "okx",
  needsPassphrase: true,
  makeSecret: () => ({ secret: randomBytes(16).toString("hex").toUpperCase() }),
  makeApiKey: () => randomUUID(),
  authenticate(req, keys) {
    const apiKey = header(req, "OK-ACCESS-KEY");
    if (!apiKey) throw reject("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.');
    const key = keys.get(apiKey);
    if (!key) throw reject("50111", "Invalid OK-ACCESS-KEY.");
    const passphrase = header(req, "OK-ACCESS-PASSPHRASE");
    if (!passphrase) throw reject("50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.');
    if (passphrase !== key.passphrase) throw reject("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.');
    const timestamp = header(req, "OK-ACCESS-TIMESTAMP") ?? "";
    const t = Date.parse(timestamp);
    if (!Number.isFinite(t) || Math.abs(req.now - t) > 30_000) throw reject("50102", "Timestamp request expired.");
    const target = req.path + (req.rawQuery ? `?${req.rawQuery}` : "");
    const expected = hmacSha256(key.secret, timestamp + req.method + target + req.body, "base64");
    if (!sameSignature(header(req, "OK-ACCESS-SIGN"), expected)) throw reject("50113", "Invalid Sign.");
    return key;
  },
  routes: {
    "GET /api/v5/account/config": (key) => ({
      code: "0",
      msg: "",
      data: [
        {
          uid: "44705892343619584",
          mainUid: "44705892343619584",
          acctLv: "1",
          posMode: "net_mode",
          autoLoan: false,
          level: "Lv1",
          perm: ["read_only", ...(key.trade ? ["trade"] : []), ...(key.withdraw ? ["withdraw"] : [])].join(","),
          ip: key.ipWhitelist ? "127.0.0.1,10.0.0.7" : "",
          label: "keyflow",
          kycLv: "2",
        },
      ],
    }),
  },
  notFound: (req) => reject("50014", `fake okx: no route for ${req.method} ${req.path}`, 404),
};
