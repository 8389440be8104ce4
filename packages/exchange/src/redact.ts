// The one redaction helper: used on ccxt messages here and by the server's vault for logs and errors.
import type { Exchange } from "ccxt";

const MIN_SECRET_LENGTH = 4;

/** Query parameters that only signed (private) requests carry. */
const SIGNED_QUERY = /[?&](?:signature|sign|timestamp|recvWindow|nonce|apiKey|api_key|access_key|listenKey|listenToken)=/i;
/** A URL (REST or websocket) with its query string. */
const URL_WITH_QUERY = /\b((?:https?|wss?):\/\/[^\s"'<>?]+)\?[^\s"'<>]*/gi;
/**
 * A user data stream's token: Binance's listenKey is the last path segment of the websocket URL
 * (`wss://stream.binance.com:9443/ws/<listenKey>`) or a `listenKey=` / `listenToken=` parameter;
 * whoever holds it reads the account's orders and balances.
 */
const WS_LISTEN_KEY = /\b(wss?:\/\/[^\s"'<>?]*\/ws\/)[A-Za-z0-9]{20,}/gi;
const LISTEN_KEY_PARAM = /\b(listenKey|listenToken)(["']?\s*[=:]\s*["']?)[A-Za-z0-9._-]{8,}/gi;
/** A signature, wherever it appears (a query without its URL, a form body). */
const SIGNATURE_PARAM = /\b(signature|sign)=[^&\s"'<>]+/gi;
/** Headers that carry a key, a signature or a passphrase (Binance, OKX, KuCoin, Bybit, Coinbase, Bitget, Kraken…). */
const CREDENTIAL_HEADER =
  /(["']?)\b(x-mbx-apikey|(?:ok|kc|cb|bg|gate)-(?:access|api)-(?:key|sign|passphrase)|x-bapi-(?:api-key|sign)|x-bit-(?:api-key|sign)|api-?key|api-sign|access-(?:key|sign|passphrase)|passphrase)\1(\s*[:=]\s*)(["']?)[^\s"',;}&]+\4/gi;
/** An HTML page pasted into a message (a proxy's or a gateway's error page). */
const HTML_PAGE = /<(?:!doctype\s+html|html)\b[\s\S]*?(?:<\/html>|$)/gi;

/**
 * Removes what identifies or authorises a signed request, by its shape: query strings of signed
 * URLs, signature parameters, credential headers. An HTML error page becomes one short sentence.
 * Applied to every text that reaches a log, a bot event, a halt reason or an API response.
 */
export function scrub(text: string): string {
  let out = text.replace(URL_WITH_QUERY, (url, base: string) => (SIGNED_QUERY.test(url) ? `${base}?[signed query removed]` : url));
  out = out.replace(SIGNATURE_PARAM, "$1=[redacted]");
  out = out.replace(WS_LISTEN_KEY, "$1[redacted]");
  out = out.replace(LISTEN_KEY_PARAM, "$1$2[redacted]");
  out = out.replace(CREDENTIAL_HEADER, (_m, q: string, name: string, sep: string, vq: string) => `${q}${name}${q}${sep}${vq}[redacted]${vq}`);
  if (/<(?:!doctype\s+html|html)\b/i.test(out)) {
    const status = /\b([45]\d\d)\b/.exec(out.slice(0, out.search(/<(?:!doctype\s+html|html)\b/i)))?.[1];
    out = out.replace(HTML_PAGE, status ? `(the exchange answered HTTP ${status} with an error page)` : "(the exchange answered with an error page)");
  }
  return out;
}

/**
 * Replaces every occurrence of each secret (and its URL-encoded form) with "[redacted]", then
 * scrubs signed-request shapes (see scrub). Longer secrets go first so a secret that contains
 * another is removed whole. Secrets shorter than 4 characters are ignored: redacting them would
 * shred ordinary text without protecting anything.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined | null> = []): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join("[redacted]");
  return scrub(out);
}

/** Everything secret a ccxt instance holds (its current credentials, and a websocket instance's listen keys), for redact(). */
export const secretsOf = (ex: Exchange): string[] => {
  const listenKeys = Object.values((ex.options ?? {}) as Record<string, unknown>).map((o) => (o && typeof o === "object" ? (o as Record<string, unknown>)["listenKey"] : undefined));
  return [ex.apiKey, ex.secret, ex.password, ex.uid, ...listenKeys].filter((s): s is string => typeof s === "string" && s.length > 0);
};
