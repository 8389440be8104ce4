import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getTemplate, parseFlowDocument, TEMPLATES, timeframeSchema, type FlowGraph, type Market } from "@keyflow/core";
import { crashHookFromEnv } from "../bots/crashHook";
import { BotRunner, LeaseHeldError } from "../bots/runner";
import { resultsText } from "../bots/probation";
import type { BotView } from "../bots/views";
import { openBotServices, withBotServices } from "./botServices";
import { confirmTyped, refuseSecretFlags } from "./secretInput";
import { utcMinute } from "../utcMinute";
import type { Preflight } from "../bots/preflight";
import type { DriftReport } from "../bots/drift";
import { CliError, runSubcommands } from "./subcommands";

export const BOTS_USAGE = `Usage:
  keyflow bots deploy <flow.json | template-id | strategy-id> --market binance:BTC/USDT:1h
                      [--name N] [--cash 1000] [--warmup 500] [--stopped]
                      [--live --key <key-id> --yes-i-understand]
                      [--max-order-value 100] [--max-position 500] [--max-daily-loss 50] [--max-orders-per-hour 10]
                      [--after-downtime exit|hold] [--enter-late]
  keyflow bots list [--json]
  keyflow bots start <bot-id>
  keyflow bots stop <bot-id>        stops it and cancels its open orders
  keyflow bots stop --all [--close] the kill switch: every bot, every open order (--close: sell live positions first)
  keyflow bots close <bot-id>       sells a running live bot's position now
  keyflow bots lift-cap <bot-id>    lets a new live bot trade its full size, once its probation is complete
  keyflow bots pause <bot-id>       no new orders; its working orders (a stop on the exchange) stay
  keyflow bots resume <bot-id>      a paused bot catches up and runs again
  keyflow bots journal <bot-id>     its order journal as CSV (on stdout)
  keyflow bots delete <bot-id>      deletes a stopped bot with its journal (save \`bots journal\` first)
  keyflow bots drift <bot-id> [--json] what the backtest would have done on the candles the bot received,
                                    against what it did: signals, prices (bps), fees, late or missing candles
  keyflow bots run <bot-id> [--wait] runs one bot in this process until it is stopped (Ctrl-C pauses it);
                                    --wait takes over when the process running it now ends

  Bots are paper (simulated fills) unless --live. Live needs a key whose check passed and an explicit
  confirmation: --yes-i-understand, or typing LIVE at the prompt. Limits are in the quote currency.
  After downtime (live): a bot the flow got out of while it was down exits at once (--after-downtime hold:
  keeps the position until the next sell signal); an entry missed while down is skipped (--enter-late: taken).
  Start small: a new live bot's entries are capped at 10 % of its budget; after 5 closed trades or 7 days
  Keyflow asks you to lift the cap (KEYFLOW_PROBATION="10%/5/7" or "off" sets the terms for new bots).
  A deployed bot runs inside \`keyflow serve\` (or \`keyflow bots run\`).`;

/** The pre-flight's numbers and warnings, as the review step shows them. */
function describePreflight(pf: Preflight): string {
  const x = pf.numbers;
  const lines = [
    `Pre-flight on the exchange: free ${num(x.freeQuote)} ${x.quote} for a budget of ${num(x.budget)} ${x.quote}; first order ${x.firstOrderValues.map((v) => (v === null ? "sized in base units" : `${num(v)} ${x.quote}`)).join(", ")}` +
      `${x.minOrderValue !== null ? ` (smallest allowed ${num(x.minOrderValue)} ${x.quote})` : ""}; taker fee ${x.takerFee === null ? "not reported" : `${num(x.takerFee * 100, 4)} %`} (flow assumes ${num(x.flowFee * 100, 4)} %); warm-up ${x.warmupBars} candles${x.warmupNeeded > 0 ? ` (recursive indicators need ${x.warmupNeeded})` : ""}; stops ${x.restingStops === null ? "checked on closed candles" : x.restingStops === "oco" ? "rest on the exchange (OCO)" : "rest on the exchange"}.`,
    ...pf.warnings.map((w) => `Warning: ${w}`),
  ];
  return `${lines.join("\n")}\n`;
}

const day = (t: number | null) => (t === null ? "—" : utcMinute(t));
const num = (x: number, d = 2) => x.toLocaleString("en", { maximumFractionDigits: d });

function describe(b: BotView): string {
  const status = b.stateReason ? `${b.state}: ${b.stateReason}` : b.state;
  return [
    `${b.id}  ${b.mode.toUpperCase()}${b.testnet ? " TESTNET" : ""}  ${b.name}`,
    `  ${b.market.exchange} ${b.market.symbol} ${b.market.timeframe}; ${status}${b.active ? " (running now)" : ""}; last candle ${day(b.lastBarTime)} UTC`,
    `  position ${num(b.position.qty, 8)} at ${num(b.position.avgEntryPrice, 8)}; equity ${num(b.equity)} (PnL ${num(b.pnl.total)}, realized ${num(b.pnl.realized)}, fees ${num(b.pnl.fees)})`,
    ...(b.probation && b.probation.liftedAt === null ? [`  ${describeProbation(b.id, b.probation)}`] : []),
  ].join("\n");
}

function describeProbation(id: string, p: NonNullable<BotView["probation"]>): string {
  const capped = `entries capped at ${num(p.fraction * 100)} % of the budget (${num(p.cap)} ${p.results.quote}); live so far: ${resultsText(p.results)}`;
  return p.ready ? `PROBATION COMPLETE, ${capped}. Lift the cap: keyflow bots lift-cap ${id}` : `probation: ${capped}; until ${p.trades} closed trades or ${day(p.until)} UTC`;
}

export function runBotsCommand(argv: string[]): Promise<number> {
  return runSubcommands("bots", BOTS_USAGE, { deploy, list, ls: list, start, resume: start, stop, pause, close, "lift-cap": liftCap, drift, journal, delete: remove, run }, argv, {
    check: refuseSecretFlags,
    usageErrors: /Unknown option|Unexpected argument|argument missing/,
  });
}

function positive(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number, not "${text}".`);
  return n;
}

function parseMarket(text: string): Market {
  const [exchange, symbol, timeframe] = text.split(":");
  const tf = timeframeSchema.safeParse(timeframe);
  if (!exchange || !symbol || !tf.success) throw new CliError(`--market must look like binance:BTC/USDT:1h (timeframes: ${timeframeSchema.options.join(", ")}), not "${text}".`);
  return { exchange, symbol, timeframe: tf.data };
}

function loadFlow(source: string): FlowGraph | undefined {
  if (!existsSync(source)) return getTemplate(source)?.flow;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(source, "utf8"));
  } catch (err) {
    throw new CliError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const doc = parseFlowDocument(json);
  if (!doc.ok) throw new CliError(`${source} is not a valid Keyflow flow:\n${doc.errors.map((e) => `  ✗ ${e}`).join("\n")}`);
  return doc.flow;
}

async function deploy(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      market: { type: "string" },
      name: { type: "string" },
      cash: { type: "string" },
      warmup: { type: "string" },
      stopped: { type: "boolean", default: false },
      live: { type: "boolean", default: false },
      paper: { type: "boolean", default: false },
      key: { type: "string" },
      "yes-i-understand": { type: "boolean", default: false },
      "max-order-value": { type: "string" },
      "max-position": { type: "string" },
      "max-daily-loss": { type: "string" },
      "max-orders-per-hour": { type: "string" },
      "after-downtime": { type: "string" },
      "enter-late": { type: "boolean", default: false },
    },
  });
  const [source] = positionals;
  if (!source || positionals.length > 1) throw new CliError(`Give one flow file, template id or saved strategy id.\n\n${BOTS_USAGE}`);
  if (values.live && values.paper) throw new CliError("Choose --live or --paper, not both.");
  return withBotServices(async (s) => {
    const flow = loadFlow(source);
    const strategy = flow ? undefined : s.db.strategies.get(source);
    if (!flow && !strategy) throw new CliError(`"${source}" is neither a file, a built-in template (${TEMPLATES.map((t) => t.id).join(", ")}) nor a saved strategy id.`);
    const market = values.market ? parseMarket(values.market) : undefined;
    if (values.live && !values["yes-i-understand"]) {
      const ok = await confirmTyped("This bot will place REAL orders with REAL money. Type LIVE to confirm: ", "LIVE");
      if (!ok) throw new CliError("Not deployed: live trading needs --yes-i-understand or typing LIVE at the prompt.");
    }
    const cash = positive("--cash", values.cash);
    const warmup = values.warmup === undefined ? undefined : Number(values.warmup);
    if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 0 && warmup <= 5000)) throw new CliError("--warmup must be a whole number of candles from 0 to 5000.");
    const ordersPerHour = positive("--max-orders-per-hour", values["max-orders-per-hour"]);
    const exits = values["after-downtime"];
    if (exits !== undefined && exits !== "exit" && exits !== "hold") throw new CliError(`--after-downtime is "exit" or "hold", not "${exits}".`);
    const bot = await s.bots.deployChecked({
      ...(flow ? { flow } : { strategyId: source }),
      market,
      name: values.name,
      mode: values.live ? "live" : "paper",
      keyId: values.key,
      confirmLive: values.live,
      settings: cash ? { initialCash: cash } : undefined,
      warmupBars: warmup,
      start: !values.stopped,
      afterDowntime: { ...(exits !== undefined && { exits }), ...(values["enter-late"] && { entries: "enter" as const }) },
      risk: {
        ...(values["max-order-value"] !== undefined && { maxOrderValue: positive("--max-order-value", values["max-order-value"]) }),
        ...(values["max-position"] !== undefined && { maxPosition: positive("--max-position", values["max-position"]) }),
        ...(values["max-daily-loss"] !== undefined && { maxDailyLoss: positive("--max-daily-loss", values["max-daily-loss"]) }),
        ...(ordersPerHour !== undefined && { maxOrdersPerHour: Math.floor(ordersPerHour) }),
      },
    });
    if (bot.preflight) process.stdout.write(describePreflight(bot.preflight));
    process.stdout.write(`Deployed:\n${describe(bot)}\n`);
    if (bot.status === "running") process.stdout.write(`It runs inside \`keyflow serve\` (picked up within seconds), or in the foreground with \`keyflow bots run ${bot.id}\`.\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: "boolean" } } });
  return withBotServices(async (s) => {
    const bots = s.bots.list();
    if (values.json) process.stdout.write(`${JSON.stringify(bots, null, 2)}\n`);
    else process.stdout.write(bots.length ? `${bots.map(describe).join("\n\n")}\n` : "No bots yet: deploy one with `keyflow bots deploy`.\n");
    return 0;
  });
}

function oneId(argv: string[]): string {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new CliError("Give the bot id (see `keyflow bots list`).");
  return positionals[0]!;
}

async function start(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withBotServices(async (s) => {
    const bot = await s.bots.startChecked(id, { launch: false });
    process.stdout.write(`${describe(bot)}\nIt runs inside \`keyflow serve\`, or with \`keyflow bots run ${id}\`.\n`);
    return 0;
  });
}

async function pause(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withBotServices(async (s) => {
    const bot = await s.bots.pause(id);
    process.stdout.write(`${describe(bot)}\nPaused: the process running it stops acting at its next poll; its working orders stay. \`keyflow bots resume ${id}\` catches up.\n`);
    return 0;
  });
}

async function journal(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withBotServices(async (s) => {
    process.stdout.write(s.bots.journalCsv(id).csv);
    return 0;
  });
}

async function remove(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withBotServices(async (s) => {
    const name = s.bots.view(id).name;
    s.bots.delete(id);
    process.stdout.write(`Deleted "${name}" with its journal, fills and log.\n`);
    return 0;
  });
}

async function drift(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" } } });
  if (positionals.length !== 1) throw new CliError("Give the bot id (see `keyflow bots list`).");
  return withBotServices(async (s) => {
    const r = s.bots.drift(positionals[0]!);
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : describeDrift(r));
    return 0;
  });
}

function describeDrift(r: DriftReport): string {
  const bps = (x: number | null) => (x === null ? "—" : `${num(x, 2)} bps`);
  const lines = [
    `Drift of ${r.mode} bot ${r.botId} against the backtest of the candles it received:`,
    `  candles: ${r.candles.received} received, ${r.candles.late} late (caught up after a pause), ${r.candles.gaps} missing`,
    `  fills: backtest ${r.signals.backtest}, bot ${r.signals.bot}, agreeing ${r.signals.matched} (${num(r.signals.agreement * 100, 1)} %)${r.signals.exitDowntime ? `; ${r.signals.exitDowntime} exit${r.signals.exitDowntime === 1 ? "" : "s"} after downtime` : ""}`,
    `  price vs backtest: mean ${bps(r.slippageBps.mean)}, worst ${bps(r.slippageBps.max)} (positive: worse for the bot)`,
    `  fees vs the flow's ${num(r.feeRate * 100, 4)} %: mean ${bps(r.feeBps.mean)}`,
    ...r.rows.map(
      (x) =>
        `  ${utcMinute(x.time)} ${x.side.padEnd(4)} backtest ${x.backtest ? `${x.backtest.what} ${num(x.backtest.price, 8)}` : "—"} | bot ${x.bot ? `${x.bot.what} ${num(x.bot.price, 8)}` : "—"}${x.slippageBps !== null ? ` | ${bps(x.slippageBps)}` : ""}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

async function close(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withBotServices(async (s) => {
    const bot = s.bots.closePosition(id);
    process.stdout.write(`Close requested: the process running "${bot.name}" sells its position at its next poll (see \`keyflow bots list\`).\n`);
    return 0;
  });
}

async function liftCap(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withBotServices(async (s) => {
    const bot = s.bots.liftCap(id);
    process.stdout.write(`Cap lifted: "${bot.name}" trades its full size from its next entry.\n`);
    return 0;
  });
}

async function stop(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { all: { type: "boolean", default: false }, close: { type: "boolean", default: false } } });
  return withBotServices(async (s) => {
    if (values.all) {
      if (positionals.length > 0) throw new CliError("`--all` stops every bot; do not name one as well.");
      const r = await s.bots.stopAll({ close: values.close });
      process.stdout.write(
        `Kill switch${values.close ? " with close" : ""}: ${values.close ? `sold ${r.closedPositions} live position${r.closedPositions === 1 ? "" : "s"}, ` : ""}stopped ${r.stopped} bot${r.stopped === 1 ? "" : "s"}, cancelled ${r.cancelledOrders} open order${r.cancelledOrders === 1 ? "" : "s"}.\n`,
      );
      for (const p of r.openPositions) process.stdout.write(`  still open: ${p}\n`);
      for (const e of r.errors) process.stderr.write(`  could not cancel: ${e}\n`);
      return r.errors.length ? 1 : 0;
    }
    if (values.close) throw new CliError("--close goes with --all (the kill switch); to close one bot's position use `keyflow bots close <id>`.");
    if (positionals.length !== 1) throw new CliError("Give the bot id, or --all for every bot.");
    const bot = await s.bots.stop(positionals[0]!);
    process.stdout.write(`Stopped${bot.cancelledOrders ? ` and cancelled ${bot.cancelledOrders} open order${bot.cancelledOrders === 1 ? "" : "s"}` : ""}:\n${describe(bot)}\n`);
    return 0;
  });
}

/** Runs one bot in this process (also how the crash test runs a bot it can SIGKILL). */
async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { wait: { type: "boolean", default: false } } });
  if (positionals.length !== 1) throw new CliError("Give the bot id (see `keyflow bots list`).");
  const id = positionals[0]!;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const s = openBotServices(log);
  let runner: BotRunner | undefined;
  let cancelled = false;
  const pause = () => {
    cancelled = true;
    void runner?.halt();
  };
  process.once("SIGINT", pause);
  process.once("SIGTERM", pause);
  try {
    const bot = s.db.bots.get(id);
    if (!bot) throw new CliError(`No bot ${id} (see \`keyflow bots list\`).`);
    if (bot.status !== "running") await s.bots.startChecked(id, { launch: false });
    const crash = crashHookFromEnv();
    // --wait: another process runs the bot now; take over as soon as it is gone (a supervisor's restart).
    for (let waiting = false; ; ) {
      const r = new BotRunner(id, { db: s.db, keys: s.keys, exchange: s.exchange, settings: s.settings, crash, log });
      try {
        runner = r.start();
        break;
      } catch (e) {
        if (!(e instanceof LeaseHeldError)) throw e;
        if (!values.wait) throw new CliError(`${e.message} Stop that process first, or add --wait to take over when it ends.`);
        if (!waiting) log(`${e.message} Waiting for it to end…`);
        waiting = true;
        await new Promise((r) => setTimeout(r, Math.min(250, s.settings.pollMs)));
        if (cancelled) return 0;
      }
    }
    log(`Running bot ${id} (${bot.mode}); Ctrl-C pauses it (it stays deployed), \`keyflow bots stop ${id}\` stops it.`);
    await runner.finished;
    return 0;
  } finally {
    process.off("SIGINT", pause);
    process.off("SIGTERM", pause);
    await s.close();
  }
}
