// Bybit: GET /v5/user/query-api describes the signing key: readOnly (0 read-write, 1 read-only),
// permissions by area (Spot: ["SpotTrade"], Wallet: [..., "Withdraw"]) and ips (["*"] when none).
import { z } from "zod";
import { findings, hasIpList, parseAnswer, reported, type PermissionReader } from "./reader";

const answer = z.object({
  result: z.object({
    readOnly: z.coerce.number(),
    permissions: z.record(z.string(), z.array(z.string()).nullish()),
    ips: z.array(z.string()).nullish(),
  }),
});

export const bybitReader: PermissionReader = {
  method: "bybit-query-api",
  ccxtMethod: "privateGetV5UserQueryApi",
  reportsIpWhitelist: true,
  read(response, name) {
    const r = parseAnswer(answer, response, name).result;
    const has = (area: string, perm: string) => (r.permissions[area] ?? []).includes(perm);
    return findings({
      // Every Bybit key can read; the signed call itself succeeded.
      canRead: { value: true, source: "inferred" },
      canTrade: reported(r.readOnly === 0 && has("Spot", "SpotTrade")),
      canWithdraw: reported(has("Wallet", "Withdraw")),
      ipRestricted: reported(hasIpList(r.ips)),
    });
  },
};
