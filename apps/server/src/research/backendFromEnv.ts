import { threadBackend } from "./threadBackend";
import type { SweepBackend } from "./sweepBackend";

/**
 * The sweep backend the environment asks for: a BullMQ queue served by `keyflow worker` processes
 * when KEYFLOW_REDIS_URL is set, else worker threads here. The queue's code (bullmq, ioredis) loads
 * only when a sweep first runs on it.
 */
export function backendFromEnv(env: NodeJS.ProcessEnv, opts: { threads?: number } = {}): SweepBackend {
  const url = env.KEYFLOW_REDIS_URL;
  if (!url) return threadBackend(opts.threads ? { threads: opts.threads } : {});
  let loaded: Promise<SweepBackend> | null = null;
  const load = () => (loaded ??= import("./bullBackend").then((m) => (ready = m.bullBackend({ url }))));
  // Set once loaded: a worker asks for candles only after the sweep using them has opened.
  let ready: SweepBackend | null = null;
  return {
    durable: true,
    open: async (job, o) => (await load()).open(job, o),
    monteCarlo: async (cash, pnls, s) => (await load()).monteCarlo!(cash, pnls, s),
    candles: (hash) => ready?.candles?.(hash),
    queue: async () => (await load()).queue!(),
    async close() {
      if (loaded) await (await loaded).close();
    },
  };
}
