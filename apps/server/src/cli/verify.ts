import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isPortfolioBundle, type Verification } from "@keyflow/core";
import { openDatabase } from "@keyflow/db";
import { configFromEnv } from "../config";
import { DEMO_EXCHANGE, installDemoMarket } from "../data/demoMarket";
import { downloadCandles } from "../data/download";
import { publicExchanges } from "../data/exchangeFactory";
import { UserError } from "../errors";
import { readBundleJson } from "../results/importBundle";
import { verifyBundle } from "../results/verifyBundle";

const USAGE = `Usage: keyflow verify <result.json | report.html> [--offline] [--json]

  Re-runs a result exported from Keyflow (one market's or a portfolio's) on this install's own
  candles (KEYFLOW_DATA_DIR), downloading missing ones from the exchange unless --offline.
  Exit code 0: verified; 1: data differs or not reproduced; 2: the file cannot be read.
  --json   print the verification as one JSON object`;

const LABEL: Record<Verification["status"], string> = { verified: "✓ Verified", dataDiffers: "✗ Data differs", notReproduced: "✗ Not reproduced" };

/** `keyflow verify`: returns the process exit code. */
export async function runVerifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { offline: { type: "boolean", default: false }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    process.stderr.write(`Give exactly one result file.\n\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(file)) {
    process.stderr.write(`No such file: ${file}\n`);
    return 2;
  }
  let bundle;
  try {
    bundle = readBundleJson(readFileSync(file, "utf8"));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const db = openDatabase(configFromEnv().dataDir);
  try {
    // The demo market is generated, not downloaded: only a demo result needs it.
    const data = isPortfolioBundle(bundle) ? bundle.markets.map((m) => m.data) : [bundle.data];
    if (data.some((d) => d.exchange === DEMO_EXCHANGE)) installDemoMarket(db);
    const v = await verifyBundle(db, bundle, values.offline ? {} : { download: async (req) => void (await downloadCandles(db, publicExchanges(configFromEnv().exchange)(req.exchange), req)) });
    process.stdout.write(values.json ? `${JSON.stringify(v)}\n` : `${LABEL[v.status]}: ${v.reason}\n`);
    return v.status === "verified" ? 0 : 1;
  } finally {
    db.close();
  }
}
