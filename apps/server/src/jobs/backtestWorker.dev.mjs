// Worker entry when running from source (tsx, vitest): `--import tsx` in a worker's execArgv does
// not reach the worker's own entry on Node 20, so register tsx's hooks here, then load the TS entry.
import { register } from "tsx/esm/api";

register();
await import("./backtestWorker.ts");
