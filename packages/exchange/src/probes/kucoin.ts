// KuCoin: GET /api/v1/user/api-key describes the signing key: permission ("General,Spot,…";
// "Transfer" is the withdrawal right, "InnerTransfer" only moves funds between own accounts) and
// ipWhitelist ("" when none).
import { z } from "zod";
import { findings, hasIpList, parseAnswer, reported, type PermissionReader } from "./reader";

const answer = z.object({ data: z.object({ permission: z.string(), ipWhitelist: z.string().nullish() }) });

export const kucoinReader: PermissionReader = {
  method: "kucoin-api-key-info",
  ccxtMethod: "privateGetUserApiKey",
  reportsIpWhitelist: true,
  read(response, name) {
    const r = parseAnswer(answer, response, name).data;
    const perms = new Set(r.permission.split(",").map((p) => p.trim().toLowerCase()));
    return findings({
      canRead: reported(perms.has("general")),
      canTrade: reported(perms.has("spot") || perms.has("trade")),
      canWithdraw: reported(perms.has("transfer")),
      ipRestricted: reported(hasIpList(r.ipWhitelist)),
    });
  },
};
