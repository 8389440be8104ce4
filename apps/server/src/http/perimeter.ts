// What the server accepts from a socket before any route sees the request. Every web page in the
// user's browser can send requests to 127.0.0.1, so the server answers only Host names it serves
// (DNS rebinding), takes mutations only same-origin as JSON with Keyflow's own header (cross-site
// forms and simple requests), and never grants CORS. SECURITY.md explains the threat model.
import type { IncomingHttpHeaders } from "node:http";
import { networkInterfaces } from "node:os";
import { KEYFLOW_CLIENT_HEADER } from "@keyflow/core";

export { KEYFLOW_CLIENT_HEADER };

/** Headers on every response: no framing, no sniffing, no referrer, scripts only from this origin. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

export interface Refusal {
  status: number;
  message: string;
}

const UNSPECIFIED = new Set(["0.0.0.0", "::", "[::]"]);

/** `host` with brackets when it is an IPv6 address, as it appears in a Host header. */
function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * The Host header values this server answers to: loopback names on its port, KEYFLOW_HOST (every
 * interface address when it is 0.0.0.0 or ::) and KEYFLOW_ALLOWED_HOSTS (an entry without a port
 * means on the server's port).
 */
export function allowedHosts(listenHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set(["127.0.0.1", "localhost", "[::1]", bracketed(listenHost.toLowerCase())]);
  if (UNSPECIFIED.has(listenHost)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracketed(a.address.toLowerCase().replace(/%.*$/, "")));
  }
  const hosts = new Set<string>();
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    if (port === 80) hosts.add(n);
  }
  for (const e of extra) {
    const hasPort = /:\d+$/.test(e) && (!e.includes("[") || e.includes("]:"));
    hosts.add(hasPort ? e : `${e}:${port}`);
    if (!hasPort && port === 80) hosts.add(e);
  }
  return hosts;
}

/** Printable ASCII only, shortened: a header value quoted back in an answer. */
function shown(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

/** Host header check for every route (API, subscriptions and the web app's files). */
export function checkHost(rawHeaders: readonly string[], hosts: ReadonlySet<string>): Refusal | null {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === "host") values.push(rawHeaders[i + 1]!);
  if (values.length > 1) return { status: 400, message: "This request has several Host headers; send one.\n" };
  const host = values[0]?.trim().toLowerCase();
  if (!host) return { status: 400, message: "This request has no Host header; Keyflow answers only requests addressed to it (e.g. Host: 127.0.0.1:5177).\n" };
  if (hosts.has(host)) return null;
  const name = shown(host);
  return {
    status: 421,
    message:
      `Keyflow does not answer to the host "${name}" (it protects your exchange keys from web pages that rename themselves to 127.0.0.1). ` +
      `Open it at one of: ${[...hosts].slice(0, 3).map((h) => `http://${h}`).join(", ")}. ` +
      `If you reach this server under "${name}" on purpose, add that name to KEYFLOW_ALLOWED_HOSTS and restart it.\n`,
  };
}

/** The media type of a Content-Type header, without parameters, lower-cased. */
function mediaType(value: string | undefined): string {
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}

/** An Origin header naming one of the hosts this server answers to ("null" and other schemes never do). */
function sameOrigin(origin: string, hosts: ReadonlySet<string>): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  // URL drops a default port; the host list spells it out (except on port 80).
  const host = u.host.toLowerCase();
  return hosts.has(host) || hosts.has(`${host}:${u.protocol === "https:" ? 443 : 80}`);
}

/**
 * API requests (/trpc) must come from Keyflow's own page or its clients: no foreign Origin, no
 * cross-site fetch metadata, and for anything but GET a JSON body plus Keyflow's own header, which
 * a foreign page cannot add without a CORS preflight that this server never grants.
 */
export function checkApiRequest(method: string | undefined, headers: IncomingHttpHeaders, hosts: ReadonlySet<string>): Refusal | null {
  const origin = headers.origin;
  if (origin !== undefined && !sameOrigin(origin, hosts)) {
    return { status: 403, message: `Keyflow's API answers only its own page; this request came from "${shown(origin)}". Open Keyflow itself to do this.\n` };
  }
  const site = headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") {
    return { status: 403, message: "Keyflow's API answers only its own page; the browser says this request came from another site. Open Keyflow itself to do this.\n" };
  }
  if (method === "GET" || method === "HEAD") return null;
  if (method !== "POST") return { status: 405, message: `Keyflow's API takes GET (queries, subscriptions) and POST (changes), not ${shown(method ?? "")}.\n` };
  if (mediaType(headers["content-type"]) !== "application/json") {
    return { status: 415, message: "Keyflow's API takes changes only as JSON: send Content-Type: application/json.\n" };
  }
  const client = headers[KEYFLOW_CLIENT_HEADER];
  if (typeof client !== "string" || client.trim() === "") {
    return { status: 403, message: `Keyflow's API takes changes only from its own clients: send the header ${KEYFLOW_CLIENT_HEADER} (Keyflow's web app does).\n` };
  }
  return null;
}
