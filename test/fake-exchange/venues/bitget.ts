// Bitget v2: ACCESS-KEY / -PASSPHRASE / -TIMESTAMP / -SIGN = base64 HMAC-SHA256 of
// timestamp + METHOD + path + ("?" + query) + body. Errors are {code, msg, requestTime, data}.
import { randomBytes } from "node:crypto";
import { hmacSha256, sameSignature } from "./hmac";
import { header, VenueReply, type VenueDialect } from "./types";

const reject = (code: string, msg: string, status = 400) => new VenueReply(status, { code, msg, requestTime: Date.now(), data: null });

export const bitgetDialect: VenueDialect = {
  id: "bitget",
  needsPassphrase: true,
  makeSecret: () => ({ secret: randomBytes(32).toString("hex") }),
  makeApiKey: () => `bg_${randomBytes(16).toString("hex")}`,
  authenticate(req, keys) {
    const apiKey = header(req, "ACCESS-KEY");
    if (!apiKey) throw reject("40001", "ACCESS_KEY cannot be empty");
    const key = keys.get(apiKey);
    if (!key) throw reject("40006", "Invalid ACCESS_KEY");
    const timestamp = header(req, "ACCESS-TIMESTAMP") ?? "";
    if (!(Math.abs(req.now - Number(timestamp)) <= 30_000)) throw reject("40008", "Request timestamp expired");
    const target = req.path + (req.rawQuery ? `?${decodeURIComponent(req.rawQuery)}` : "");
    if (!sameSignature(header(req, "ACCESS-SIGN"), hmacSha256(key.secret, timestamp + req.method + target + req.body, "base64"))) throw reject("40009", "sign signature error");
    if (header(req, "ACCESS-PASSPHRASE") !== key.passphrase) throw reject("40012", "apikey/password is incorrect");
    return key;
  },
  routes: {
    "GET /api/v2/spot/account/info": (key) => ({
      code: "00000",
      msg: "success",
      requestTime: Date.now(),
      data: {
        userId: "8312233001",
        inviterId: "0",
        ips: key.ipWhitelist ? "127.0.0.1" : "",
        authorities: [key.trade ? "stow" : "stor", "coor", ...(key.withdraw ? ["wwow"] : []), "wtor"],
        parentId: 8312233001,
        traderType: "not_trader",
        channelCode: "",
        channel: "",
        regisTime: "1700000000000",
      },
    }),
  },
  notFound: (req) => reject("40404", `fake bitget: no route for ${req.method} ${req.path}`, 404),
};
