// Bybit v5: X-BAPI-API-KEY / -TIMESTAMP / -RECV-WINDOW / -SIGN = hex HMAC-SHA256 of
// timestamp + apiKey + recvWindow + (query string | JSON body). Errors are {retCode, retMsg}.
import { randomBytes } from "node:crypto";
import { hmacSha256, sameSignature } from "./hmac";
import { header, VenueReply, type VenueDialect } from "./types";

const reject = (retCode: number, retMsg: string, status = 401) => new VenueReply(status, { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() });

export const bybitDialect: VenueDialect = {
  id: "bybit",
  needsPassphrase: false,
  makeSecret: () => ({ secret: randomBytes(18).toString("base64url") }),
  makeApiKey: () => randomBytes(9).toString("base64url"),
  authenticate(req, keys) {
    const apiKey = header(req, "X-BAPI-API-KEY");
    if (!apiKey) throw reject(10007, "api_key not found in your request parameters");
    const key = keys.get(apiKey);
    if (!key) throw reject(10003, "API key is invalid.");
    const timestamp = header(req, "X-BAPI-TIMESTAMP") ?? "";
    const recvWindow = header(req, "X-BAPI-RECV-WINDOW") ?? "5000";
    if (!(Math.abs(req.now - Number(timestamp)) <= Number(recvWindow))) throw reject(10002, "invalid request, please check your server timestamp or recv_window param");
    const payload = timestamp + apiKey + recvWindow + (req.method === "GET" ? req.rawQuery : req.body);
    if (!sameSignature(header(req, "X-BAPI-SIGN"), hmacSha256(key.secret, payload, "hex"))) throw reject(10004, "error sign! origin_string[...]");
    return key;
  },
  routes: {
    "GET /v5/user/query-api": (key) => ({
      retCode: 0,
      retMsg: "",
      result: {
        id: "13770661",
        note: "keyflow",
        apiKey: key.apiKey,
        readOnly: key.trade ? 0 : 1,
        secret: "",
        permissions: {
          ContractTrade: [],
          Spot: key.trade ? ["SpotTrade"] : [],
          Wallet: key.withdraw ? ["AccountTransfer", "Withdraw"] : ["AccountTransfer"],
          Options: [],
          Derivatives: [],
          Exchange: [],
          Earn: [],
          BlockTrade: [],
          Affiliate: [],
          NFT: [],
        },
        ips: key.ipWhitelist ? ["127.0.0.1"] : ["*"],
        type: 1,
        deadlineDay: key.ipWhitelist ? -1 : 89,
        expiredAt: "",
        createdAt: "2026-01-05T08:00:00Z",
        uta: 1,
        userID: 24617703,
        inviterID: 0,
        vipLevel: "No VIP",
        mktMakerLevel: "0",
        affiliateID: 0,
        rsaPublicKey: "",
        isMaster: true,
        parentUid: "0",
        kycLevel: "LEVEL_DEFAULT",
        kycRegion: "",
      },
      retExtInfo: {},
      time: Date.now(),
    }),
  },
  notFound: (req) => reject(10001, `fake bybit: no route for ${req.method} ${req.path}`, 404),
};
