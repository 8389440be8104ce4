// What the serving process does with an error nothing caught (see SECURITY.md, "When something fails
// that nothing caught"). One stray promise must not take every bot down with it; a thrown exception
// that reached the event loop leaves the process in a state nobody can vouch for, so it stops cleanly.
import { redact } from "@keyflow/exchange";

export interface ProcessErrorOptions {
  /** Where the line goes (the server's stderr log). */
  log: (line: string) => void;
  /** The credentials this process can open, removed from every line before it is written. */
  secrets: () => readonly string[];
  /** Stops serving and ends the bots' runners (they reconcile with the exchange on the next start). */
  shutdown: () => Promise<void>;
  /** Ends the process; process.exit outside tests. */
  exit?: (code: number) => void;
  /** How long the shutdown may take before the process ends anyway. */
  shutdownDeadlineMs?: number;
}

const SHUTDOWN_DEADLINE_MS = 10_000;

function stackOf(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Installs the process-wide handlers; returns a function that removes them.
 * - `unhandledRejection`: logged (redacted) and the server keeps serving — a rejected promise is one
 *   failed operation whose owner forgot to await it, not a corrupted process.
 * - `uncaughtException`: logged (redacted), then the HTTP server and the bots' runners stop and the
 *   process exits with code 1, so a supervisor (systemd, Docker's restart policy) starts it again and
 *   the bots reconcile their journals with the exchange. Node's docs: resuming after an uncaught
 *   exception is unsafe (the throw may have left half-updated state behind).
 */
export function handleProcessErrors(o: ProcessErrorOptions): () => void {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const write = (line: string) => {
    let secrets: readonly string[] = [];
    try {
      secrets = o.secrets();
    } catch {
      // A database or vault that cannot be read: redact by shape only (signed URLs, headers).
    }
    try {
      o.log(redact(line, secrets));
    } catch {
      // The log itself failing (a closed stderr) must not raise another error from this handler.
    }
  };

  const onRejection = (reason: unknown) => {
    write(`Unhandled promise rejection (a bug; Keyflow keeps running, please report it): ${stackOf(reason)}`);
  };

  let stopping = false;
  const onException = (e: unknown) => {
    write(`Uncaught exception (a bug; please report it): ${stackOf(e)}`);
    if (stopping) {
      // A second one while stopping: the shutdown itself is broken.
      exit(1);
      return;
    }
    stopping = true;
    write("Stopping: the bots' runners end and reconcile with the exchange when Keyflow starts again; exiting with code 1 so a supervisor restarts it.");
    const deadline = setTimeout(() => {
      write("The shutdown did not finish in time; exiting.");
      exit(1);
    }, o.shutdownDeadlineMs ?? SHUTDOWN_DEADLINE_MS);
    o.shutdown().then(
      () => {
        clearTimeout(deadline);
        exit(1);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        write(`The shutdown failed: ${stackOf(err)}`);
        exit(1);
      },
    );
  };

  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
