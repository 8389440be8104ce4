// Binance: GET /sapi/v1/account/apiRestrictions reports every right the key has.
import { z } from "zod";
import { findings, parseAnswer, reported, type PermissionReader } from "./reader";

const answer = z.object({
  enableReading: z.boolean(),
  enableSpotAndMarginTrading: z.boolean(),
  enableWithdrawals: z.boolean(),
  ipRestrict: z.boolean(),
});

export const binanceReader: PermissionReader = {
  method: "binance-api-restrictions",
  ccxtMethod: "sapiGetAccountApiRestrictions",
  reportsIpWhitelist: true,
  read(response, name) {
    const r = parseAnswer(answer, response, name);
    return findings({
      canRead: reported(r.enableReading),
      canTrade: reported(r.enableSpotAndMarginTrading),
      canWithdraw: reported(r.enableWithdrawals),
      ipRestricted: reported(r.ipRestrict),
    });
  },
};
