// `keyflow alerts …`: where fills, stops, halts and degraded bots are reported when no page is open.
import { parseArgs } from "node:util";
import { openDatabase } from "@keyflow/db";
import { AlertService, type AlertChannelView } from "../alerts/alertService";
import { configFromEnv } from "../config";
import { utcMinute } from "../utcMinute";
import { createVault } from "../vault";
import { readSecretLine, refuseSecretFlags } from "./secretInput";
import { CliError, runSubcommands } from "./subcommands";

export const ALERTS_USAGE = `Usage:
  keyflow alerts list
  keyflow alerts add-webhook <url> [--label L]      the signing secret (16+ characters) at a hidden prompt or on stdin
  keyflow alerts add-telegram --chat <id> [--label L] the bot token from @BotFather at a hidden prompt or on stdin
  keyflow alerts test <id>                           sends a test alert and says whether it arrived
  keyflow alerts rm <id>

  Webhooks get a JSON POST signed with HMAC-SHA256 of the body (header x-keyflow-signature: sha256=…).`;

function describe(c: AlertChannelView): string {
  const last = c.lastError ? `last delivery failed: ${c.lastError}` : c.lastSentAt ? `last sent ${utcMinute(c.lastSentAt)} UTC` : "nothing sent yet";
  return `${c.id}  ${c.kind}  ${c.label}  ${c.target}  (${last})`;
}

async function withAlerts<T>(fn: (alerts: AlertService) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const db = openDatabase(config.dataDir);
  const alerts = new AlertService(db, createVault({ dataDir: config.dataDir }));
  try {
    return await fn(alerts);
  } finally {
    await alerts.settled();
    db.close();
  }
}

const opts = { label: { type: "string" }, chat: { type: "string" } } as const;

async function list(): Promise<number> {
  return withAlerts(async (a) => {
    const all = a.list();
    process.stdout.write(all.length ? `${all.map(describe).join("\n")}\n` : "No alert channels. Add one with `keyflow alerts add-webhook <url>` or `add-telegram --chat <id>`.\n");
    return 0;
  });
}

async function addWebhook(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: opts });
  if (positionals.length !== 1) throw new CliError(`Give the webhook URL.\n\n${ALERTS_USAGE}`);
  const secret = await readSecretLine("Signing secret (hidden): ");
  return withAlerts(async (a) => {
    process.stdout.write(`Added: ${describe(a.addWebhook({ url: positionals[0]!, secret, label: values.label }))}\n`);
    return 0;
  });
}

async function addTelegram(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: opts });
  if (!values.chat) throw new CliError(`Give the chat id with --chat.\n\n${ALERTS_USAGE}`);
  const token = await readSecretLine("Bot token (hidden): ");
  return withAlerts(async (a) => {
    process.stdout.write(`Added: ${describe(a.addTelegram({ token, chatId: values.chat!, label: values.label }))}\n`);
    return 0;
  });
}

function oneId(argv: string[]): string {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new CliError(`Give one channel id (see \`keyflow alerts list\`).`);
  return positionals[0]!;
}

async function test(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withAlerts(async (a) => {
    const c = await a.test(id);
    process.stdout.write(`${c.lastError ? "Not delivered" : "Delivered"}: ${describe(c)}\n`);
    return c.lastError ? 1 : 0;
  });
}

async function rm(argv: string[]): Promise<number> {
  const id = oneId(argv);
  return withAlerts(async (a) => {
    a.remove(id);
    process.stdout.write(`Removed ${id}.\n`);
    return 0;
  });
}

export function runAlertsCommand(argv: string[]): Promise<number> {
  return runSubcommands("alerts", ALERTS_USAGE, { list, ls: list, "add-webhook": addWebhook, "add-telegram": addTelegram, test, rm }, argv, {
    check: refuseSecretFlags,
    usageErrors: /Unknown option|Unexpected argument|argument missing/,
  });
}
