import { configFromEnv } from "../config";
import { startHttpServer, type RunningServer } from "../http/server";
import { createServices } from "../services";
import { handleProcessErrors } from "./processErrors";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** `keyflow serve` (and `pnpm start`): runs until SIGINT/SIGTERM, then shuts down cleanly. */
export async function runServe(): Promise<number> {
  const config = configFromEnv();
  log(`Keyflow data directory: ${config.dataDir}`);
  const services = createServices(config, { log });
  let http: RunningServer | undefined;
  const shutdown = async () => {
    await http?.close();
    await services.close();
  };
  // From here on a stray rejection (a bot resuming, a ccxt client) is logged, not fatal.
  const unguard = handleProcessErrors({ log, secrets: () => services.keys.openableSecrets(), shutdown });
  try {
    http = await startHttpServer(services, log);
  } catch (e) {
    unguard();
    await services.close();
    throw e;
  }
  const link = config.token ? `${http.url}/?token=<KEYFLOW_TOKEN>` : http.url;
  process.stdout.write(`Keyflow is running at ${link}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        log("Forced exit.");
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: stopping (finishing running backtests for up to 5 s)…`);
      await shutdown();
      unguard();
      log("Stopped.");
      resolve(0);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
  });
}
