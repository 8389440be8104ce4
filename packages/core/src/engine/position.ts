/** What the strategy wants after a bar closed. Entries are returned as their rule index (≥ 0). */
export const NO_ACTION = -1;
export const EXIT = -2;

/** The position as the strategy needs to know it. */
export const FLAT = 0;
export const PENDING_ENTRY = 1;
export const LONG = 2;
export type PositionState = typeof FLAT | typeof PENDING_ENTRY | typeof LONG;
