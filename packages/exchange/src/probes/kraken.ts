// Kraken: POST /0/private/GetApiKeyInfo (needs no permission) answers the signing key's
// permissions ("query-funds", "modify-trades", "withdraw-funds", …) and ipAllowlist.
import { z } from "zod";
import { findings, hasIpList, parseAnswer, reported, type PermissionReader } from "./reader";

const answer = z.object({ result: z.object({ permissions: z.array(z.string()), ipAllowlist: z.array(z.string()).nullish() }) });

export const krakenReader: PermissionReader = {
  method: "kraken-api-key-info",
  ccxtMethod: "privatePostGetApiKeyInfo",
  reportsIpWhitelist: true,
  read(response, name) {
    const r = parseAnswer(answer, response, name).result;
    const p = new Set(r.permissions);
    return findings({
      canRead: reported(p.has("query-funds")),
      canTrade: reported(p.has("modify-trades")),
      canWithdraw: reported(p.has("withdraw-funds")),
      ipRestricted: reported(hasIpList(r.ipAllowlist)),
    });
  },
};
