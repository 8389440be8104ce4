import type { Api } from "./apiTypes";

// Placeholder until the server's router lands.
export function createTrpcApi(): Api {
  const no = () => Promise.reject(new Error("Server API not available yet."));
  return {
    listStrategies: no,
    getStrategy: no,
    createStrategy: no,
    saveStrategy: no,
    renameStrategy: no,
    duplicateStrategy: no,
    deleteStrategy: no,
    listMarkets: no,
    runBacktest: no,
    onProgress: () => () => undefined,
    cancelBacktest: no,
    getRun: no,
    listRuns: no,
  };
}
