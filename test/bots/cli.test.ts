// `keyflow keys` and `keyflow bots` as a person runs them: credentials only through stdin (or a hidden
// prompt), live only with an explicit confirmation, and the kill switch from the command line.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../fake-exchange/index";
import { buildCli, busyFlow, processHarness, type ProcessHarness } from "./harness";

let h: ProcessHarness;
let main: string;

beforeAll(async () => {
  main = await buildCli();
  h = await processHarness({ candles: { BTCUSDT: makeCandles({ count: 500, seed: 3 }), ETHUSDT: makeCandles({ count: 500, seed: 4, startPrice: 2000 }) }, closedAtStart: 100 });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const outputs: string[] = [];

function keyflow(args: string[], stdin = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { env: h.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(stdin);
    child.once("exit", (code) => {
      outputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("keyflow keys", () => {
  it("refuses credentials given as arguments, with a message saying how to give them", async () => {
    for (const flag of ["--secret=abc", "--secret", "--api-key", "--passphrase=x"]) {
      const r = await keyflow(["keys", "add", "binance", flag, "value"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not accepted: credentials on the command line end up in shell history/);
    }
    expect(h.services.db.keys.list()).toHaveLength(0);
  });

  it("adds a key from stdin, lists it masked, refuses a withdraw key, and the kill switch works from the CLI", async () => {
    const trade = h.fake.keys.trade!;
    const added = await keyflow(["keys", "add", "binance", "--label", "main"], `${trade.apiKey}\n${trade.secret}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/probe: ok/);
    expect(added.stdout).toContain(`${trade.apiKey.slice(0, 4)}…${trade.apiKey.slice(-4)}`);
    const keyId = h.services.db.keys.list()[0]!.id;

    const w = h.fake.keys.withdraw!;
    const refused = await keyflow(["keys", "add", "binance"], `${w.apiKey}\n${w.secret}\n`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/create a key without withdrawal permission/);

    const list = await keyflow(["keys", "list"]);
    expect(list.stdout).toMatch(/"main"/);

    // Live needs the explicit confirmation; without a terminal there is no prompt to type it at.
    const market = ["--market", "binance:BTC/USDT:1m"];
    const unconfirmed = await keyflow(["bots", "deploy", "sma-cross", ...market, "--live", "--key", keyId]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/Not deployed: live trading needs --yes-i-understand/);
    const live = await keyflow(["bots", "deploy", "sma-cross", ...market, "--live", "--key", keyId, "--yes-i-understand", "--max-order-value", "500", "--name", "cli live"]);
    expect(live.code, live.stderr).toBe(0);
    expect(live.stdout).toMatch(/LIVE {2}cli live/);
    const paper = await keyflow(["bots", "deploy", "sma-cross", ...market, "--name", "cli paper"]);
    expect(paper.stdout).toMatch(/PAPER {2}cli paper/);
    const bots = h.services.db.bots.list();
    expect(bots.find((b) => b.name === "cli live")?.risk.maxOrderValue).toBe(500);

    const rm = await keyflow(["keys", "rm", keyId]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/live bot "cli live" .* stop it first/);

    const all = await keyflow(["bots", "stop", "--all"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/Kill switch: stopped 2 bots/);
    expect(h.services.db.bots.list().every((b) => b.status === "stopped")).toBe(true);
    expect((await keyflow(["keys", "rm", keyId])).code).toBe(0);

    for (const text of outputs) {
      for (const k of Object.values(h.fake.keys)) {
        expect(text.includes(k.secret)).toBe(false);
        expect(text.includes(k.apiKey)).toBe(false);
      }
    }
  }, 60_000);

  it("confirm-no-withdraw: where the exchange does not report withdrawals, the person's confirmation opens live trading", async () => {
    const k = h.fake.keys.noIpWhitelist!;
    const added = await keyflow(["keys", "add", "binance", "--label", "unreported"], `${k.apiKey}\n${k.secret}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/read yes \(reported\), trade yes \(reported\), withdraw no \(reported\), IP whitelist no \(reported\)/);
    const keyId = h.services.db.keys.list().find((x) => x.label === "unreported")!.id;
    // Binance reports the right: nothing to confirm.
    const known = await keyflow(["keys", "confirm-no-withdraw", keyId]);
    expect(known.code).toBe(1);
    expect(known.stderr).toMatch(/reports this key's withdrawal right itself/);

    // The same key as an exchange without a permission endpoint would leave it (a signed read only).
    const row = h.services.db.keys.get(keyId)!;
    h.services.db.keys.recordProbe(keyId, {
      permissions: { ...row.permissions!, canTrade: "unknown", canWithdraw: "unknown", method: "signed-read" },
      warnings: [],
      probeStatus: "ok",
      probeMessage: null,
      liveAllowed: false,
    });
    const market = ["--market", "binance:BTC/USDT:1m"];
    const refused = await keyflow(["bots", "deploy", "sma-cross", ...market, "--live", "--key", keyId, "--yes-i-understand", "--name", "too early"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/paper bots only until you confirm that withdrawals are disabled/);
    const confirmed = await keyflow(["keys", "confirm-no-withdraw", keyId]);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toMatch(/Recorded: withdrawals are disabled for this key/);
    expect(confirmed.stdout).toMatch(/withdrawals confirmed off by you/);
    expect(h.services.db.keys.get(keyId)).toMatchObject({ liveAllowed: true, withdrawOffConfirmedAt: expect.any(Number) });
    expect((await keyflow(["keys", "rm", keyId])).code).toBe(0);
  }, 60_000);

  it("bots drift, journal, pause and delete: a stopped bot's journal is printed as CSV, then the bot is deleted", async () => {
    const paper = h.services.db.bots.list().find((b) => b.name === "cli paper")!;
    const drift = await keyflow(["bots", "drift", paper.id, "--json"]);
    expect(drift.code, drift.stderr).toBe(0);
    expect(JSON.parse(drift.stdout)).toMatchObject({ botId: paper.id, mode: "paper", signals: { agreement: 1 }, rows: [] });
    expect((await keyflow(["bots", "drift", paper.id])).stdout).toMatch(/^Drift of paper bot .* against the backtest of the candles it received:\n {2}candles: 0 received/);
    const paused = await keyflow(["bots", "pause", paper.id]);
    expect(paused.code).toBe(1);
    expect(paused.stderr).toMatch(/This bot is stopped: only a running bot can be paused/);
    const journal = await keyflow(["bots", "journal", paper.id]);
    expect(journal.code, journal.stderr).toBe(0);
    expect(journal.stdout.split("\n")[0]).toBe("created,candle,intent,side,type,amount,price,status,filled,avgPrice,fee,feeCurrency,clientOrderId,exchangeOrderId,message");
    const deleted = await keyflow(["bots", "delete", paper.id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('Deleted "cli paper" with its journal, fills and log.\n');
    expect(h.services.db.bots.get(paper.id)).toBeUndefined();
  }, 60_000);
});

describe("keyflow bots lift-cap", () => {
  it("shows a live bot's probation, refuses to lift it before it is complete, then lifts it once, by the person's command", async () => {
    const k = h.fake.keys.trade!;
    const key = await h.services.keys.add({ exchange: "binance", label: "cli probation", apiKey: k.apiKey, secret: k.secret });
    const bot = h.services.bots.deploy({ flow: busyFlow(), mode: "live", keyId: key.id, confirmLive: true, name: "small first", start: false });
    const day = 86_400_000;
    // Two days into a 7-day probation with no trade yet: not complete.
    h.services.db.bots.update(bot.id, { probation: { fraction: 0.1, trades: 5, startedAt: Date.now() - 2 * day, until: Date.now() + 5 * day, askedAt: null, liftedAt: null } });
    const listed = await keyflow(["bots", "list"]);
    expect(listed.stdout).toMatch(/probation: entries capped at 10 % of the budget \(1,000 USDT\); live so far: no closed trade yet; until 5 closed trades or/);
    const early = await keyflow(["bots", "lift-cap", bot.id]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/The cap can be lifted after 5 closed trades or on \d{4}-\d{2}-\d{2} \(in 5 days\)/);
    expect(h.services.db.bots.get(bot.id)!.probation!.liftedAt).toBeNull();

    // Seven days later: complete.
    h.services.db.bots.update(bot.id, { probation: { fraction: 0.1, trades: 5, startedAt: Date.now() - 8 * day, until: Date.now() - day, askedAt: Date.now() - day, liftedAt: null } });
    expect((await keyflow(["bots", "list"])).stdout).toMatch(new RegExp(`PROBATION COMPLETE, entries capped at 10 % of the budget .*Lift the cap: keyflow bots lift-cap ${bot.id}`));
    const lifted = await keyflow(["bots", "lift-cap", bot.id]);
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.stdout).toMatch(/Cap lifted: "small first" trades its full size from its next entry/);
    expect(h.services.db.bots.get(bot.id)!.probation!.liftedAt).toEqual(expect.any(Number));
    const again = await keyflow(["bots", "lift-cap", bot.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no cap to lift/);
  }, 60_000);
});
