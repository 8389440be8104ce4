// Coinbase Advanced Trade with a CDP key: the API key is "organizations/{org}/apiKeys/{id}", the
// secret an EC P-256 private key (PEM). Each request carries Authorization: Bearer <JWT, ES256>
// with kid = sub = the key name and uri = "METHOD host/path", valid for 120 s. A bad token is
// answered 401 "Unauthorized" (text), as Coinbase does.
import { createPublicKey, generateKeyPairSync, randomUUID, verify } from "node:crypto";
import { header, VenueReply, type VenueDialect } from "./types";

const unauthorized = () => new VenueReply(401, "Unauthorized");

const fromBase64Url = (s: string) => Buffer.from(s, "base64url");

export const coinbaseDialect: VenueDialect = {
  id: "coinbase",
  needsPassphrase: false,
  makeSecret() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return { secret: privateKey.export({ type: "sec1", format: "pem" }).toString(), verifyWith: publicKey.export({ type: "spki", format: "pem" }).toString() };
  },
  makeApiKey: () => `organizations/${randomUUID()}/apiKeys/${randomUUID()}`,
  authenticate(req, keys, verifyKeys) {
    const token = /^Bearer (.+)$/.exec(header(req, "Authorization") ?? "")?.[1];
    const parts = token?.split(".");
    if (!parts || parts.length !== 3) throw unauthorized();
    const [h, p, sig] = parts as [string, string, string];
    let head: { alg?: string; kid?: string };
    let claims: { sub?: string; uri?: string; nbf?: number; exp?: number };
    try {
      head = JSON.parse(fromBase64Url(h).toString("utf8")) as typeof head;
      claims = JSON.parse(fromBase64Url(p).toString("utf8")) as typeof claims;
    } catch {
      throw unauthorized();
    }
    const key = head.kid ? keys.get(head.kid) : undefined;
    const publicPem = head.kid ? verifyKeys.get(head.kid) : undefined;
    if (!key || !publicPem || head.alg !== "ES256" || claims.sub !== key.apiKey) throw unauthorized();
    const ok = verify("sha256", Buffer.from(`${h}.${p}`), { key: createPublicKey(publicPem), dsaEncoding: "ieee-p1363" }, fromBase64Url(sig));
    if (!ok) throw unauthorized();
    const seconds = req.now / 1000;
    if (!(claims.nbf !== undefined && claims.exp !== undefined && claims.nbf <= seconds + 5 && seconds < claims.exp)) throw unauthorized();
    if (!claims.uri?.startsWith(`${req.method} `) || !claims.uri.endsWith(req.path)) throw unauthorized();
    return key;
  },
  routes: {
    "GET /api/v3/brokerage/key_permissions": (key) => ({
      can_view: key.read,
      can_trade: key.trade,
      can_transfer: key.withdraw,
      portfolio_uuid: "8b5d1a3c-2f51-4d3c-9c8e-4a7f4e2f0b11",
      portfolio_type: "DEFAULT",
    }),
  },
  notFound: () => new VenueReply(404, { error: "NOT_FOUND", message: "fake coinbase: no such route" }),
};
