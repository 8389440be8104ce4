import type { CompileIssue, CsvError } from "@keyflow/core";
import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";

/**
 * Machine-readable details of a mistake the person can fix, sent to the client as
 * `error.data.userError` next to a message that says what to do.
 */
export type UserErrorDetails =
  | { kind: "compile"; issues: CompileIssue[] }
  | { kind: "csv"; errors: CsvError[] }
  | { kind: "template"; errors: string[] }
  | { kind: "input"; issues: { path: string; message: string }[] }
  | { kind: "notFound" }
  | { kind: "noCandles" }
  | { kind: "conflict" }
  /** A run that cannot be exported as a checkable result: made before runs were pinned, or its candles changed since. */
  | { kind: "unpinned" }
  | { kind: "dataChanged" }
  /** A result bundle file that cannot be read. */
  | { kind: "bundle"; errors: string[] }
  /** An exchange key was refused or could not be checked; `reason` is an ErrorKind or "withdraw" / "no-read" / "wrong-exchange". */
  | { kind: "key"; reason: string }
  /** A live bot's pre-flight refused it: each refusal says what to change. */
  | { kind: "preflight"; refusals: string[]; warnings: string[] };

export class UserError extends TRPCError {
  readonly details: UserErrorDetails;
  constructor(code: TRPC_ERROR_CODE_KEY, message: string, details: UserErrorDetails) {
    super({ code, message });
    this.details = details;
  }
}

export function notFound(what: string): UserError {
  return new UserError("NOT_FOUND", `${what} does not exist (any more). Reload the list and pick another.`, { kind: "notFound" });
}
