// The shape every per-exchange permission reader has, and the helpers they share.
import type { ProbeResult, RightSource } from "@keyflow/core";
import type { Exchange } from "ccxt";
import type { z } from "zod";

export type ProbeFindings = Omit<ProbeResult, "method">;

/** How Keyflow learns one exchange's key rights: one harmless signed call and a reading of its answer. */
export interface PermissionReader {
  /** Recorded as ProbeResult.method, e.g. "okx-account-config". */
  method: string;
  /** The ccxt implicit API method it calls (never one that moves funds). */
  ccxtMethod: string;
  /** The answer says whether the key is restricted to IP addresses. */
  reportsIpWhitelist: boolean;
  /** Reads the exchange's answer; throws ProbeShapeError when the answer is not what the docs say. */
  read(response: unknown, exchangeName: string): ProbeFindings;
}

/** The exchange answered the permission call in a shape Keyflow does not know. */
export class ProbeShapeError extends Error {
  override readonly name = "ProbeShapeError";
}

/** Parses an answer with its schema, or says which exchange answered what Keyflow cannot read. */
export function parseAnswer<T extends z.ZodType>(schema: T, response: unknown, exchangeName: string): z.infer<T> {
  const r = schema.safeParse(response);
  if (!r.success) {
    const fields = r.error.issues.map((i) => i.path.join(".") || "(answer)").join(", ");
    throw new ProbeShapeError(`${exchangeName} answered the key-permission check in an unexpected form (${fields}). Keyflow cannot judge this key; please report it with your Keyflow version.`);
  }
  return r.data;
}

export const reported = (value: boolean): { value: boolean; source: RightSource } => ({ value, source: "reported" });

/** Builds findings from four rights, each with how it was established. */
export function findings(
  rights: Record<"canRead" | "canTrade" | "canWithdraw" | "ipRestricted", { value: boolean | "unknown"; source: RightSource }>,
  warnings: string[] = [],
): ProbeFindings {
  return {
    canRead: rights.canRead.value,
    canTrade: rights.canTrade.value,
    canWithdraw: rights.canWithdraw.value,
    ipRestricted: rights.ipRestricted.value,
    sources: { canRead: rights.canRead.source, canTrade: rights.canTrade.source, canWithdraw: rights.canWithdraw.source, ipRestricted: rights.ipRestricted.source },
    warnings,
  };
}

export const UNKNOWN = { value: "unknown" as const, source: "unknown" as const };

/** An IP list as exchanges write it: an array or a comma-separated string; "*" or empty means none. */
export function hasIpList(ips: string | string[] | null | undefined): boolean {
  const list = (Array.isArray(ips) ? ips : (ips ?? "").split(/[,\s]+/)).map((s) => s.trim()).filter((s) => s !== "" && s !== "*");
  return list.length > 0;
}

/** Calls a ccxt implicit API method by name; a missing method is a bug in the reader table. */
export function callImplicit(exchange: Exchange, name: string): Promise<unknown> {
  const fn = (exchange as unknown as Record<string, unknown>)[name];
  if (typeof fn !== "function") throw new Error(`ccxt's ${exchange.id} has no ${name} (reader table out of date with the installed ccxt).`);
  return (fn as (params?: object) => Promise<unknown>).call(exchange, {});
}
