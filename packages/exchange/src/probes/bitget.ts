// Bitget: GET /api/v2/spot/account/info answers `authorities` for the signing key ("stor"/"stow":
// spot read / read-write, "wwow": wallet withdrawal; older keys say "readonly"/"trade"/"withdraw")
// and `ips` (the whitelist, "" when none). The call needs spot read, so its success proves reading.
import { z } from "zod";
import { findings, hasIpList, parseAnswer, reported, type PermissionReader } from "./reader";

const answer = z.object({ data: z.object({ authorities: z.array(z.string()), ips: z.string().nullish() }) });

export const bitgetReader: PermissionReader = {
  method: "bitget-account-info",
  ccxtMethod: "privateSpotGetV2SpotAccountInfo",
  reportsIpWhitelist: true,
  read(response, name) {
    const r = parseAnswer(answer, response, name).data;
    const a = new Set(r.authorities.map((x) => x.trim().toLowerCase()));
    return findings({
      canRead: { value: true, source: "inferred" },
      canTrade: reported(a.has("stow") || a.has("trade")),
      canWithdraw: reported(a.has("wwow") || a.has("withdraw")),
      ipRestricted: reported(hasIpList(r.ips)),
    });
  },
};
