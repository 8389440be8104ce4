import type { KeyView } from "../keys/types";

/** A stored key as the server shows it; tests override what they are about. */
export function keyView(over: Partial<KeyView> & Pick<KeyView, "id">): KeyView {
  return {
    exchange: "binance",
    label: over.id,
    maskedKey: "AbCd…MnOp",
    testnet: false,
    permissions: { canRead: true, canTrade: true, canWithdraw: false, ipRestricted: true, method: "binance-api-restrictions" },
    warnings: [],
    probe: { status: "ok", message: null, at: 0 },
    liveAllowed: true,
    needsWithdrawConfirmation: false,
    withdrawOffConfirmedAt: null,
    createdAt: 0,
    updatedAt: 0,
    rotatedAt: null,
    lastUsedAt: null,
    usedBy: [],
    ...over,
  };
}
