// Test-only crash points: KEYFLOW_CRASH_AT="after-send:2" kills this process with SIGKILL the second
// time a runner reaches "after-send". Unset (always, outside the crash test), the hook does nothing.
import { writeSync } from "node:fs";

export const CRASH_POINTS = ["before-journal", "after-journal", "after-send", "while-polling", "after-fill", "amend-after-journal", "amend-after-send"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];
export type CrashHook = (point: CrashPoint) => void;

export const noCrash: CrashHook = () => {};

export function crashHookFromEnv(env: NodeJS.ProcessEnv = process.env): CrashHook {
  const spec = env.KEYFLOW_CRASH_AT?.trim();
  if (!spec) return noCrash;
  const [point, nth = "1"] = spec.split(":");
  if (!(CRASH_POINTS as readonly string[]).includes(point!)) throw new Error(`KEYFLOW_CRASH_AT: unknown crash point "${point}" (one of ${CRASH_POINTS.join(", ")}).`);
  let left = Number(nth);
  return (p) => {
    if (p !== point || --left > 0) return;
    writeSync(2, `keyflow crash hook: SIGKILL at ${p}\n`);
    process.kill(process.pid, "SIGKILL");
  };
}
