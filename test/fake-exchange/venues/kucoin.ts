// KuCoin (key version 2): KC-API-KEY / -TIMESTAMP / -SIGN = base64 HMAC-SHA256 of
// timestamp + METHOD + endpoint with query + body; KC-API-PASSPHRASE = base64 HMAC-SHA256 of the
// passphrase under the secret. Errors are {code, msg} with KuCoin's codes.
import { randomBytes, randomUUID } from "node:crypto";
import { hmacSha256, sameSignature } from "./hmac";
import { header, VenueReply, type VenueDialect } from "./types";

const reject = (code: string, msg: string, status = 401) => new VenueReply(status, { code, msg });

export const kucoinDialect: VenueDialect = {
  id: "kucoin",
  needsPassphrase: true,
  makeSecret: () => ({ secret: randomUUID() }),
  makeApiKey: () => randomBytes(12).toString("hex"),
  authenticate(req, keys) {
    const apiKey = header(req, "KC-API-KEY");
    const timestamp = header(req, "KC-API-TIMESTAMP");
    if (!apiKey || !timestamp || !header(req, "KC-API-SIGN") || !header(req, "KC-API-PASSPHRASE")) {
      throw reject("400001", "Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE");
    }
    const key = keys.get(apiKey);
    if (!key) throw reject("400003", "KC-API-KEY not exists");
    if (!(Math.abs(req.now - Number(timestamp)) <= 5000)) throw reject("400002", "KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds");
    const endpoint = req.path + (req.rawQuery ? `?${req.rawQuery}` : "");
    if (!sameSignature(header(req, "KC-API-SIGN"), hmacSha256(key.secret, timestamp + req.method + endpoint + req.body, "base64"))) {
      throw reject("400005", "Invalid KC-API-SIGN");
    }
    if (!sameSignature(header(req, "KC-API-PASSPHRASE"), hmacSha256(key.secret, key.passphrase ?? "", "base64"))) throw reject("400004", "Invalid KC-API-PASSPHRASE");
    return key;
  },
  routes: {
    "GET /api/v1/user/api-key": (key) => ({
      code: "200000",
      data: {
        remark: "keyflow",
        apiKey: key.apiKey,
        apiVersion: 3,
        permission: ["General", ...(key.trade ? ["Spot"] : []), ...(key.withdraw ? ["Transfer"] : []), "InnerTransfer"].join(","),
        ipWhitelist: key.ipWhitelist ? "127.0.0.1" : "",
        createdAt: 1_733_000_000_000,
        uid: 165111215,
        isMaster: true,
      },
    }),
  },
  notFound: (req) => reject("404000", `fake kucoin: no route for ${req.method} ${req.path}`, 404),
};
