import { createHmac, timingSafeEqual } from "node:crypto";

/** Constant-time comparison of a received signature with the expected one (same encoding). */
export function sameSignature(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const hmacSha256 = (secret: string | Buffer, payload: string | Buffer, encoding: "hex" | "base64") => createHmac("sha256", secret).update(payload).digest(encoding);
