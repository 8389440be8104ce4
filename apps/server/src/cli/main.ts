import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_VERSION } from "../version";

const USAGE = `Keyflow ${SERVER_VERSION}: visual crypto trading strategies.

Usage: keyflow <command>

  serve                      start the app on http://127.0.0.1:5177 (KEYFLOW_PORT, KEYFLOW_HOST,
                             KEYFLOW_TOKEN, KEYFLOW_DATA_DIR change where and how)
  data list                  stored candle series
  data import <csv> --market BTC/USDT --timeframe 1h [--exchange name]
  data download <exchange> <symbol> <timeframe> --since 2024-01-01
  backtest <flow.json | template-id> [--data candles.csv] [--json]
  verify <result.json>       re-run an exported result on your own candles; exit 0 only when verified
  sweep <flow | template> --param fast.period=5..14 …   parameter sweep (grid, random, halving)
  walkforward <flow | template> --param … --in N --out N   optimise in sample, test out of sample
  montecarlo <flow | template> [--runs 1000]   resample the trades: drawdown and equity percentiles
  worker [--concurrency N]   run sweep chunks from the queue at KEYFLOW_REDIS_URL (BullMQ on Redis)
  keys add|list|probe|rotate|rm   exchange API keys (credentials via hidden prompt or stdin, never argv)
  bots deploy|list|start|stop|close|run  paper and live bots; \`bots stop --all [--close]\` is the kill switch
  alerts list|add-webhook|add-telegram|test|rm  where fills, stops and halts are reported

Run \`keyflow <command> --help\` for a command's options.`;

/** The `keyflow` command line; returns the exit code. Subcommands load only what they need. */
export async function main(argv: string[]): Promise<number> {
  // A closed pipe (`keyflow backtest … --json | head`) is the reader's choice, not a crash.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return (await import("./serve")).runServe();
    case "data":
      return (await import("./data")).runDataCommand(rest);
    case "backtest":
      return (await import("./backtest")).runBacktestCommand(rest);
    case "verify":
      return (await import("./verify")).runVerifyCommand(rest);
    case "sweep":
    case "walkforward":
    case "montecarlo":
      return (await import("./research")).runResearchCommand(command, rest);
    case "worker":
      return (await import("./worker")).runWorkerCommand(rest);
    case "keys":
      return (await import("./keys")).runKeysCommand(rest);
    case "bots":
      return (await import("./bots")).runBotsCommand(rest);
    case "alerts":
      return (await import("./alerts")).runAlertsCommand(rest);
    case "--version":
    case "-v":
      process.stdout.write(`${SERVER_VERSION}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 1;
  }
}

// Run directly from source (`tsx apps/server/src/cli/main.ts …`, the root `pnpm keyflow` script).
// The bundle (dist/main.js) calls main() from src/main.ts instead, so this must not fire there.
const self = fileURLToPath(import.meta.url);
if (self.endsWith(".ts") && process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
