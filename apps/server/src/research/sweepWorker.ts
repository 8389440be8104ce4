// Worker thread entry for sweep chunks: holds each open sweep's flow and candles and its indicator
// cache (until released), runs the chunks it is handed one at a time. Bundled to dist/sweepWorker.js;
// loads only the engine.
import { parentPort } from "node:worker_threads";
import { ComboEvaluator } from "@keyflow/core";
import { unpackCandles } from "../jobs/workerProtocol";
import type { SweepReply, SweepRequest } from "./sweepProtocol";

const port = parentPort;
if (!port) throw new Error("sweepWorker must run in a worker thread");
const post = (m: SweepReply) => port.postMessage(m);

/** One evaluator per open sweep (concurrent research shares the threads), with its cancel flag. */
const sessions = new Map<string, { evaluator: ComboEvaluator; cancel: Int32Array | null }>();

port.on("message", (req: SweepRequest) => {
  const key = req.session ?? "";
  try {
    if (req.type === "init") {
      sessions.set(key, { evaluator: new ComboEvaluator(req.flow, req.params, unpackCandles(req.candles)), cancel: req.cancel ? new Int32Array(req.cancel) : null });
      post({ type: "ready" });
    } else if (req.type === "chunk") {
      const s = sessions.get(key);
      if (!s) throw new Error("sweep worker got a chunk before its job");
      const cancel = s.cancel;
      const last = req.chunk.combos.length;
      const runs = s.evaluator.runChunk(req.chunk, {
        ...(cancel ? { stop: () => Atomics.load(cancel, 0) !== 0 } : {}),
        onRun: (done) => done < last && post({ type: "progress", done }),
      });
      post({ type: "runs", id: req.chunk.id, runs });
    } else if (req.type === "peak") {
      post({ type: "peak", bytes: sessions.get(key)?.evaluator.peakCacheBytes ?? 0 });
    } else {
      sessions.delete(key);
      post({ type: "ready" });
    }
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
});
