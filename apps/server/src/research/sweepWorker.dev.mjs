// Worker entry when running from source (tsx, vitest); see jobs/backtestWorker.dev.mjs.
import { register } from "tsx/esm/api";

register();
await import("./sweepWorker.ts");
