import { errorMessage } from "../lib/errors";
import { userErrorOf } from "../lib/errors";

export interface Refusal {
  /** A short headline of what is wrong. */
  title: string;
  /** The server's own message: what to do about it. */
  message: string;
  reason: string | null;
}

const TITLES: Record<string, string> = {
  withdraw: "Refused: this key can withdraw funds",
  "no-read": "Refused: this key cannot read the account",
  "bad-key": "The exchange does not know this API key",
  "bad-signature": "The secret does not match this API key",
  "bad-passphrase": "The passphrase does not match this API key",
  permission: "The exchange refused this key",
  refused: "Keyflow refuses this key",
  "wrong-exchange": "This key is for another exchange",
  network: "Could not reach the exchange",
  timeout: "The exchange did not answer in time",
  unavailable: "The exchange is not available right now",
  "rate-limited": "The exchange asked to slow down",
  clock: "This server's clock is off",
};

/** What the add-key and rotate forms show when the server says no. */
export function describeRefusal(e: unknown): Refusal {
  const ue = userErrorOf(e);
  const message = errorMessage(e);
  if (ue?.kind === "key") {
    const reason = ue.reason ?? null;
    return { title: (reason && TITLES[reason]) ?? "The key check failed", message, reason };
  }
  if (ue?.kind === "input") return { title: "Check the fields", message, reason: "input" };
  return { title: "Could not add the key", message, reason: null };
}
