// Worker thread entry for sweep chunks: holds one sweep's flow and candles and its indicator cache
// (until released), runs the chunks it is handed one at a time. Bundled to dist/sweepWorker.js;
// loads only the engine.
import { parentPort } from "node:worker_threads";
import { ComboEvaluator } from "@keyflow/core";
import { unpackCandles } from "../jobs/workerProtocol";
import type { SweepReply, SweepRequest } from "./sweepProtocol";

const port = parentPort;
if (!port) throw new Error("sweepWorker must run in a worker thread");
const post = (m: SweepReply) => port.postMessage(m);

let evaluator: ComboEvaluator | null = null;

port.on("message", (req: SweepRequest) => {
  try {
    if (req.type === "init") {
      evaluator = new ComboEvaluator(req.flow, req.params, unpackCandles(req.candles));
      post({ type: "ready" });
    } else if (req.type === "chunk") {
      if (!evaluator) throw new Error("sweep worker got a chunk before its job");
      const last = req.chunk.combos.length;
      const runs = evaluator.runChunk(req.chunk, (done) => done < last && post({ type: "progress", done }));
      post({ type: "runs", id: req.chunk.id, runs });
    } else if (req.type === "peak") {
      post({ type: "peak", bytes: evaluator?.peakCacheBytes ?? 0 });
    } else {
      evaluator = null;
      post({ type: "ready" });
    }
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
});
