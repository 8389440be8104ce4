import { parseArgs } from "node:util";
import { KEY_RIGHTS } from "@keyflow/core";
import type { KeyView } from "../keys/keyService";
import { withBotServices } from "./botServices";
import { readCredentials, refuseSecretFlags } from "./secretInput";
import { utcMinute } from "../utcMinute";
import { CliError, runSubcommands } from "./subcommands";

export const KEYS_USAGE = `Usage:
  keyflow keys add <exchange> [--label "main account"] [--testnet]
  keyflow keys list [--json]
  keyflow keys probe <key-id>
  keyflow keys rotate <key-id>
  keyflow keys confirm-no-withdraw <key-id>
  keyflow keys rm <key-id>

  add and rotate read the API key, the secret (and the passphrase where the exchange needs one)
  from a hidden prompt, or from stdin one per line:
    printf '%s\\n' "$API_KEY" "$API_SECRET" | keyflow keys add binance --label main
  Credentials are never accepted as arguments. Keys that can withdraw are refused.
  Where the exchange does not report the withdrawal right, a key runs paper bots only until you
  disable withdrawals for it on the exchange and say so with confirm-no-withdraw (cleared by rotate).
  --testnet stores a testnet / demo key (Binance spot testnet, Bybit testnet, OKX demo trading…):
  it and every bot on it talk to the exchange's test environment only.`;

const day = (t: number | null) => (t === null ? "never" : utcMinute(t));
const perm = (p: boolean | "unknown" | undefined) => (p === true ? "yes" : p === false ? "no" : "?");
/** "yes (reported)": how the probe established a right. */
const right = (k: KeyView, name: (typeof KEY_RIGHTS)[number]) => {
  const source = k.permissions?.sources?.[name];
  return `${perm(k.permissions?.[name])}${source && source !== "unknown" ? ` (${source})` : ""}`;
};

function describe(k: KeyView): string {
  const p = k.permissions;
  const lines = [
    `${k.id}  ${k.exchange}${k.testnet ? " TESTNET" : ""}  "${k.label}"  ${k.maskedKey}`,
    `  probe: ${k.probe.status}${k.probe.message ? ` — ${k.probe.message}` : ""} (checked ${day(k.probe.at)} UTC); live trading ${k.liveAllowed ? "allowed" : "not allowed"}`,
    p ? `  read ${right(k, "canRead")}, trade ${right(k, "canTrade")}, withdraw ${right(k, "canWithdraw")}, IP whitelist ${right(k, "ipRestricted")}` : "  permissions unknown",
    ...(k.withdrawOffConfirmedAt !== null ? [`  withdrawals confirmed off by you ${day(k.withdrawOffConfirmedAt)} UTC`] : []),
    ...k.warnings.map((w) => `  warning: ${w}`),
    `  added ${day(k.createdAt)}, last used ${day(k.lastUsedAt)}${k.rotatedAt ? `, rotated ${day(k.rotatedAt)}` : ""}${k.usedBy.length ? `; used by ${k.usedBy.map((b) => `${b.name} (${b.mode}, ${b.status})`).join(", ")}` : ""}`,
  ];
  return lines.join("\n");
}

export function runKeysCommand(argv: string[]): Promise<number> {
  return runSubcommands("keys", KEYS_USAGE, { add, list, ls: list, probe, rotate, "confirm-no-withdraw": confirmNoWithdraw, rm: remove, remove }, argv, {
    check: refuseSecretFlags,
    usageErrors: /Unknown option|Unexpected argument/,
  });
}

function oneId(argv: string[], what: string): string {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new CliError(`Give the ${what} (see \`keyflow keys list\`).`);
  return positionals[0]!;
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { label: { type: "string" }, testnet: { type: "boolean" } } });
  const exchange = positionals[0];
  if (!exchange || positionals.length > 1) throw new CliError(`Give the exchange id, e.g. \`keyflow keys add binance\`.\n\n${KEYS_USAGE}`);
  return withBotServices(async (s) => {
    const need = s.keys.requirements(exchange);
    const creds = await readCredentials(need);
    const key = await s.keys.add({ exchange, label: values.label, testnet: values.testnet === true, ...creds });
    process.stdout.write(`Added:\n${describe(key)}\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: "boolean" } } });
  return withBotServices(async (s) => {
    const keys = s.keys.list();
    if (values.json) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
    else process.stdout.write(keys.length ? `${keys.map(describe).join("\n\n")}\n` : "No keys yet: add one with `keyflow keys add <exchange>`.\n");
    return 0;
  });
}

async function probe(argv: string[]): Promise<number> {
  const id = oneId(argv, "key id");
  return withBotServices(async (s) => {
    const key = await s.keys.probe(id);
    process.stdout.write(`${describe(key)}\n`);
    return key.probe.status === "ok" ? 0 : 1;
  });
}

async function rotate(argv: string[]): Promise<number> {
  const id = oneId(argv, "key id");
  return withBotServices(async (s) => {
    const row = s.keys.view(id);
    const creds = await readCredentials(s.keys.requirements(row.exchange));
    const key = await s.keys.rotate(id, creds);
    process.stdout.write(`Rotated (running bots switch to it on their next request):\n${describe(key)}\n`);
    return 0;
  });
}

async function confirmNoWithdraw(argv: string[]): Promise<number> {
  const id = oneId(argv, "key id");
  return withBotServices(async (s) => {
    const key = s.keys.confirmNoWithdraw(id);
    process.stdout.write(`Recorded: withdrawals are disabled for this key (you confirmed it).\n${describe(key)}\n`);
    return 0;
  });
}

async function remove(argv: string[]): Promise<number> {
  const id = oneId(argv, "key id");
  return withBotServices(async (s) => {
    s.keys.remove(id);
    process.stdout.write(`Deleted key ${id}.\n`);
    return 0;
  });
}
