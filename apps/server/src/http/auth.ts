import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const COOKIE = "keyflow_token";

/** Constant-time comparison of two secrets. */
export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token cookie's value; a value that is not valid percent-encoding counts as absent (never throws). */
function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k !== COOKIE) continue;
    try {
      return decodeURIComponent(v.join("="));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Checks the token on a request: `Authorization: Bearer …`, `?token=…` (EventSource cannot send
 * headers; a browser opening the app link) or the cookie set when the link was opened, so the
 * web app's own requests carry it. Answers 401 itself and returns false when it does not match.
 */
export function authorize(req: IncomingMessage, res: ServerResponse, url: URL, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization;
  const bearer = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  const query = url.searchParams.get("token") ?? undefined;
  const given = bearer ?? query ?? cookieToken(req);
  if (given !== undefined && same(given, token)) {
    if (query !== undefined) res.setHeader("Set-Cookie", `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    return true;
  }
  res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" });
  res.end("Keyflow needs its access token: open the link the server printed (it ends in ?token=…) or send Authorization: Bearer <KEYFLOW_TOKEN>.\n");
  return false;
}
