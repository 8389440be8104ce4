// OKX: GET /api/v5/account/config answers `perm` ("read_only,trade,withdraw") and `ip` (the key's
// whitelist, "" when none) for the key that signed the request.
import { z } from "zod";
import { findings, hasIpList, parseAnswer, reported, type PermissionReader } from "./reader";

const answer = z.object({ data: z.array(z.object({ perm: z.string(), ip: z.string().nullish() })).min(1) });

export const okxReader: PermissionReader = {
  method: "okx-account-config",
  ccxtMethod: "privateGetAccountConfig",
  reportsIpWhitelist: true,
  read(response, name) {
    const config = parseAnswer(answer, response, name).data[0]!;
    const perms = new Set(config.perm.split(",").map((p) => p.trim()));
    return findings({
      canRead: reported(perms.has("read_only")),
      canTrade: reported(perms.has("trade")),
      canWithdraw: reported(perms.has("withdraw")),
      ipRestricted: reported(hasIpList(config.ip)),
    });
  },
};
