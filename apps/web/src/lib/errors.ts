/**
 * The one message a person sees for a failure: the server's own message, never a stack trace.
 * tRPC errors carry the server's message; network failures get words of our own.
 */
export function errorMessage(e: unknown): string {
  if (e && typeof e === "object") {
    const err = e as { message?: unknown; name?: string; data?: { zodError?: unknown } | null };
    if (typeof err.message === "string" && err.message) {
      const m = err.message;
      if (/Failed to fetch|NetworkError|fetch failed|Load failed/i.test(m)) return "Cannot reach the Keyflow server. Is it running?";
      if (err.name === "AbortError") return "Cancelled.";
      // A JSON array of zod issues (tRPC input validation) reads badly; take the first message.
      if (m.startsWith("[")) {
        try {
          const issues = JSON.parse(m) as { message?: string; path?: unknown[] }[];
          const first = issues[0];
          if (first?.message) return `${first.path?.length ? `${first.path.join(".")}: ` : ""}${first.message}`;
        } catch {
          /* not JSON: fall through */
        }
      }
      return firstLine(m);
    }
  }
  if (typeof e === "string") return firstLine(e);
  return "Something went wrong.";
}

function firstLine(s: string): string {
  // Never show a stack: only the first line, without "    at ..." frames.
  const line = s.split("\n").find((l) => l.trim() && !/^\s+at\s/.test(l)) ?? s;
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** `error.data.userError` of a tRPC error: the server's machine-readable account of a mistake the person can fix. */
export interface UserErrorInfo {
  kind: string;
  reason?: string;
  message: string;
  issues?: { path: string; message: string }[];
}

export function userErrorOf(e: unknown): UserErrorInfo | null {
  const ue = (e as { data?: { userError?: unknown } | null } | null | undefined)?.data?.userError;
  if (!ue || typeof ue !== "object" || typeof (ue as { kind?: unknown }).kind !== "string") return null;
  return ue as UserErrorInfo;
}
