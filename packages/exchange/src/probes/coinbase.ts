// Coinbase Advanced Trade: GET /api/v3/brokerage/key_permissions answers can_view, can_trade and
// can_transfer (sending funds out) for the signing key. It says nothing about an IP allowlist.
import { z } from "zod";
import { findings, parseAnswer, reported, UNKNOWN, type PermissionReader } from "./reader";

const answer = z.object({ can_view: z.boolean(), can_trade: z.boolean(), can_transfer: z.boolean() });

export const coinbaseReader: PermissionReader = {
  method: "coinbase-key-permissions",
  ccxtMethod: "v3PrivateGetBrokerageKeyPermissions",
  reportsIpWhitelist: false,
  read(response, name) {
    const r = parseAnswer(answer, response, name);
    return findings(
      { canRead: reported(r.can_view), canTrade: reported(r.can_trade), canWithdraw: reported(r.can_transfer), ipRestricted: UNKNOWN },
      [`${name} does not report whether a key has an IP allowlist: set one for this key in ${name}'s API key settings.`],
    );
  },
};
