// The one redaction helper: used on ccxt messages here and by the server's vault for logs and errors.
import type { Exchange } from "ccxt";

const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of each secret (and its URL-encoded form) with "[redacted]". Longer
 * secrets go first so a secret that contains another is removed whole. Secrets shorter than
 * 4 characters are ignored: redacting them would shred ordinary text without protecting anything.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined | null>): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join("[redacted]");
  return out;
}

/** Everything secret a ccxt instance holds (its current credentials), for redact(). */
export const secretsOf = (ex: Exchange): string[] =>
  [ex.apiKey, ex.secret, ex.password, ex.uid].filter((s): s is string => typeof s === "string" && s.length > 0);
