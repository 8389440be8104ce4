// Migration 0018 gives every journal row its market: rows written before it get their bot's symbol,
// and a paper group's rows the market their intent names ("ETH/USDT entry"), so a restarted live bot
// still finds its orders in its market's journal.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../src";
import { findMigrationsFolder } from "../src/migrations";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "keyflow-mig-"));
  dirs.push(d);
  return d;
};

/** The shipped migrations up to (not including) `tag`. */
function migrationsBefore(tag: string): string {
  const dir = temp();
  cpSync(findMigrationsFolder(), dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  return dir;
}

describe("migration 0018 (journal rows by market)", () => {
  it("gives older rows their bot's symbol, a paper group's rows the market of their intent, and fills their order's", () => {
    const dataDir = temp();
    openDatabase(dataDir, { migrationsFolder: migrationsBefore("0018_bot_journal_symbol"), warn: () => {} }).close();
    const raw = new BetterSqlite3(join(dataDir, "keyflow.db"));
    const bot = raw.prepare(
      "INSERT INTO bots (id, name, flow, spec, spec_hash, exchange, symbol, timeframe, mode, risk, status, warmup_bars, book, created_at, updated_at) VALUES (?, 'b', '{}', '{}', 'h', 'binance', ?, '1m', ?, '{}', 'stopped', 10, '{}', 0, 0)",
    );
    bot.run("live", "BTC/USDT", "live");
    bot.run("group", "BTC/USDT", "paper");
    const order = raw.prepare("INSERT INTO bot_orders (bot_id, client_order_id, bar_time, intent, side, type, amount, status, created_at, updated_at) VALUES (?, ?, 0, ?, 'buy', 'market', 1, 'filled', 0, 0)");
    order.run("live", "kf-live", "entry");
    order.run("group", "kf-btc", "BTC/USDT entry");
    order.run("group", "kf-eth", "ETH/USDT exit");
    const fill = raw.prepare("INSERT INTO bot_fills (bot_id, client_order_id, trade_id, side, price, amount, cost, fee, fee_currency, time, bar_time, created_at) VALUES (?, ?, ?, 'buy', 1, 1, 1, 0, 'USDT', 0, 0, 0)");
    fill.run("live", "kf-live", "t1");
    fill.run("group", "kf-eth", "t2");
    fill.run("live", "kf-gone", "t3");
    raw.close();

    const db = openDatabase(dataDir, { warn: () => {} });
    try {
      expect(db.bots.allOrders("live", "BTC/USDT").map((o) => o.clientOrderId)).toEqual(["kf-live"]);
      expect(db.bots.allOrders("group", "BTC/USDT").map((o) => o.clientOrderId)).toEqual(["kf-btc"]);
      expect(db.bots.allOrders("group", "ETH/USDT").map((o) => o.clientOrderId)).toEqual(["kf-eth"]);
      expect(db.bots.fills("live", "BTC/USDT").map((f) => f.tradeId)).toEqual(["t1", "t3"]);
      expect(db.bots.fills("group", "ETH/USDT").map((f) => f.tradeId)).toEqual(["t2"]);
    } finally {
      db.close();
    }
  });
});
