// Deploys, starts and stops bots; runs their runners in this process; the kill switch.
import { randomUUID } from "node:crypto";
import { compile, portfolioSymbols, positionBudget, Strategy, warmupBarsNeeded, warmupNeed, type FlowGraph, type Market, type Settings } from "@keyflow/core";
import { ACTIVE_ORDER_STATUSES, DEFAULT_AFTER_DOWNTIME, type AfterDowntime, type Bot, type BotMode, type BotRiskLimits, type KeyflowDb } from "@keyflow/db";
import { exchangeIds, OrderGateway, redact, Retrier, StreamRegistry } from "@keyflow/exchange";
import { notFound, UserError } from "../errors";
import { connectExchange } from "../keys/connect";
import type { ExchangeSettings } from "../keys/exchangeSettings";
import { withdrawConfirmationMissing, type KeyService } from "../keys/keyService";
import type { CrashHook } from "./crashHook";
import type { AlertSink } from "../alerts/alertService";
import { driftReport, type DriftReport } from "./drift";
import { journalCsv } from "./journalCsv";
import { exchangeClientId } from "./inPlaceAmendment";
import { emptyBook } from "./ledger";
import { preflight, type Preflight } from "./preflight";
import { liftProbation, startProbation, type ProbationTerms } from "./probation";
import { BotRunner, LeaseHeldError } from "./runner";
import type { BotSettings } from "./settings";
import { BotNotifier, botStream } from "./stream";
import { assetsOfSymbol, heldPositions, probationBase, toBotDetail, toBotView, type BotDetail, type BotStreamEvent, type BotView } from "./views";
import { utcMinute } from "../utcMinute";

/** An error as text for a log, a halt reason or an answer: never a signed URL or a pasted page. */
const errorText = (e: unknown): string => redact(e instanceof Error ? e.message : String(e));

export interface DeployInput {
  name?: string | undefined;
  strategyId?: string | undefined;
  version?: number | undefined;
  flow?: FlowGraph | undefined;
  /** Overrides the flow's market. */
  market?: Market | undefined;
  mode?: BotMode | undefined;
  keyId?: string | undefined;
  /** Must be true for a live bot: it trades real money. */
  confirmLive?: boolean | undefined;
  risk?: Partial<BotRiskLimits> | undefined;
  /** Live: what to do about signals missed while the bot was down (default: exit, skip entries). */
  afterDowntime?: Partial<AfterDowntime> | undefined;
  /** Overrides parts of the flow's settings (initialCash is the bot's budget in quote). */
  settings?: Partial<Pick<Settings, "initialCash" | "feeRate" | "slippage">> | undefined;
  warmupBars?: number | undefined;
  /** Start at once (default true). */
  start?: boolean | undefined;
}

export interface StopAllResult {
  stopped: number;
  cancelledOrders: number;
  /** With `close`: live positions sold before the stop, and the bots whose position is still open (with why). */
  closedPositions: number;
  openPositions: string[];
  errors: string[];
}

/** How long the kill switch with close waits for the sells to fill before it stops the bots anyway. */
const CLOSE_WAIT_MS = 20_000;

export const DEFAULT_WARMUP_BARS = 500;
/** The most candles a bot replays to warm up (the deploy API's limit). */
export const MAX_WARMUP_BARS = 5000;
function refuseUnlessClear(pf: Preflight): void {
  if (pf.ok) return;
  throw new UserError("PRECONDITION_FAILED", `Pre-flight refused this live bot: ${pf.refusals.join(" ")}`, { kind: "preflight", refusals: pf.refusals, warnings: pf.warnings });
}

const NO_LIMITS: BotRiskLimits = { maxOrderValue: null, maxPosition: null, maxDailyLoss: null, maxOrdersPerHour: null };

export interface BotManagerOptions {
  exchange: ExchangeSettings;
  settings: BotSettings;
  crash?: CrashHook;
  log?: (line: string) => void;
  /** Start runners for bots left running (server start) and adopt bots set running elsewhere (default true). */
  autoRun?: boolean;
  /** Where runners report fills, stops, halts and degraded states. */
  alerts?: AlertSink;
}

export class BotManager {
  readonly notifier = new BotNotifier();
  private readonly runners = new Map<string, BotRunner>();
  /** One websocket connection per (exchange, key), shared by this manager's bots. */
  private readonly streams = new StreamRegistry();
  private adoptTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: KeyflowDb,
    private readonly keys: KeyService,
    private readonly opts: BotManagerOptions,
  ) {
    if (opts.autoRun !== false) {
      this.adopt();
      this.adoptTimer = setInterval(() => this.adopt(), opts.settings.adoptEveryMs);
      this.adoptTimer.unref();
    }
  }

  get runningCount(): number {
    return this.runners.size;
  }

  // ---------------------------------------------------------------- deploy

  /** The flow a deploy input means (a saved strategy or a flow, with the market and settings overrides), compiled and checked. */
  resolve(input: DeployInput): { effective: FlowGraph; compiled: Extract<ReturnType<typeof compile>, { ok: true }>; strategyVersion: number | null } {
    const { db } = this;
    let flow = input.flow;
    let strategyVersion: number | null = null;
    if (input.strategyId !== undefined) {
      const s = db.strategies.get(input.strategyId, input.version);
      if (!s) throw notFound(input.version ? `Version ${input.version} of this strategy` : "This strategy");
      if (!flow) {
        flow = s.flow;
        strategyVersion = input.version ?? s.latestVersion;
      }
    }
    if (!flow) throw new UserError("BAD_REQUEST", "Nothing to deploy: send a flow or the id of a saved strategy.", { kind: "input", issues: [{ path: "flow", message: "required" }] });
    const effective: FlowGraph = { ...flow, market: input.market ?? flow.market, settings: { ...flow.settings, ...input.settings } };
    const compiled = compile(effective);
    if (!compiled.ok) {
      const n = compiled.errors.length;
      throw new UserError("BAD_REQUEST", `The flow has ${n} problem${n > 1 ? "s" : ""} to fix before it can be deployed: ${compiled.errors[0]!.message}`, { kind: "compile", issues: compiled.errors });
    }
    const market = effective.market;
    if (market.exchange === "demo") {
      throw new UserError("BAD_REQUEST", "Bots follow live candles from an exchange; the demo market has none. Pick an exchange market (e.g. binance BTC/USDT).", {
        kind: "input",
        issues: [{ path: "market.exchange", message: "demo cannot be traded" }],
      });
    }
    if (!exchangeIds().includes(market.exchange)) {
      throw new UserError("BAD_REQUEST", `Unknown exchange "${market.exchange}". Use a ccxt exchange id in lower case, e.g. binance.`, { kind: "input", issues: [{ path: "market.exchange", message: "unknown exchange" }] });
    }
    // A flow over several markets: its markets are fixed at deploy (stored series added later do not join a running bot).
    if (effective.portfolio) {
      const symbols = portfolioSymbols(effective, db.candles.list());
      return { effective: { ...effective, portfolio: { ...effective.portfolio, symbols, allStoredQuote: undefined } }, compiled, strategyVersion };
    }
    return { effective, compiled, strategyVersion };
  }

  deploy(input: DeployInput): BotView {
    const { db } = this;
    const { effective, compiled, strategyVersion } = this.resolve(input);
    const market = effective.market;
    const mode: BotMode = input.mode ?? "paper";
    if (mode === "live") this.checkLive(input.keyId, market.exchange, input.confirmLive === true);
    else if (input.keyId !== undefined) this.keyRow(input.keyId);
    const risk: BotRiskLimits = { ...NO_LIMITS, ...input.risk };
    const id = randomUUID();
    const start = input.start !== false;
    const now = Date.now();
    const onTestnet = mode === "live" && input.keyId !== undefined && this.keys.isTestnet(input.keyId);
    const probation = this.probationTerms(mode, onTestnet);
    // Enough history for every indicator (a 4h SMA in a 15m flow needs 16 bars per 4h candle).
    const needed = warmupBarsNeeded(compiled.spec, market.timeframe, MAX_WARMUP_BARS);
    const warmupBars = input.warmupBars ?? Math.min(MAX_WARMUP_BARS, Math.max(DEFAULT_WARMUP_BARS, needed ?? MAX_WARMUP_BARS));
    db.bots.create({
      id,
      name: input.name?.trim() || `${effective.name} · ${effective.portfolio ? effective.portfolio.symbols.join(" + ") : market.symbol} ${market.timeframe}`,
      strategyId: input.strategyId ?? null,
      strategyVersion,
      flow: effective,
      spec: compiled.spec,
      specHash: compiled.hash,
      exchange: market.exchange,
      symbol: market.symbol,
      timeframe: market.timeframe,
      mode,
      keyId: input.keyId ?? null,
      risk,
      afterDowntime: { ...DEFAULT_AFTER_DOWNTIME, ...input.afterDowntime },
      status: start ? "running" : "stopped",
      warmupBars,
      book: emptyBook(effective.settings.initialCash),
      probation: probation ? startProbation(probation, now) : null,
    });
    db.bots.update(id, start ? { startedAt: now } : { stoppedAt: now });
    if (needed === null || warmupBars < needed) {
      db.bots.log(id, "warn", `The indicators need ${needed ?? `more than ${MAX_WARMUP_BARS}`} candles to warm up, but the bot replays ${warmupBars}: until they have values it decides on less history than a backtest would.`);
    }
    const how = mode === "live" ? (onTestnet ? "LIVE on the exchange's TESTNET (play money)" : "LIVE (real orders)") : "in paper mode (simulated fills)";
    db.bots.log(id, mode === "live" ? "warn" : "info", `Deployed ${how} on ${market.exchange} ${market.symbol} ${market.timeframe}; spec ${compiled.hash.slice(0, 12)}.`);
    if (probation) {
      const cap = (probation.fraction * probationBase(effective)).toLocaleString("en", { maximumFractionDigits: 2 });
      db.bots.log(id, "info", `Starting small: each entry is capped at ${Math.round(probation.fraction * 100)} % of the ${effective.portfolio ? "budget per position" : "budget"} (${cap} ${assetsOfSymbol(market.symbol).quote}) until you lift the cap, which Keyflow asks for after ${probation.trades} closed trades or ${probation.days} days.`);
    }
    if (start) this.launch(id);
    this.notifier.notify();
    return this.view(id);
  }

  /** The probation a new bot starts under: live bots with real money only. */
  private probationTerms(mode: BotMode, testnet: boolean): ProbationTerms | null {
    return mode === "live" && !testnet ? this.opts.settings.probation : null;
  }

  /** The person lifts a live bot's probation cap (after Keyflow asked): full size from the next entry. */
  liftCap(id: string): BotView {
    liftProbation(this.db, this.row(id), Date.now());
    this.notifier.notify();
    return this.view(id);
  }

  /** deploy(), after a live bot's pre-flight passed (the API and the CLI deploy through here). */
  async deployChecked(input: DeployInput): Promise<BotView & { preflight: Preflight | null }> {
    let pf: Preflight | null = null;
    if (input.mode === "live" && input.confirmLive === true) refuseUnlessClear((pf = await this.preflight(input)));
    return { ...this.deploy(input), preflight: pf };
  }

  /** start(), after a live bot's pre-flight passed. */
  async startChecked(id: string, opts: { launch?: boolean } = {}): Promise<BotView> {
    if (this.row(id).mode === "live") refuseUnlessClear(await this.preflightBot(id));
    return this.start(id, opts);
  }

  /** Pre-flight of a live deploy: the exchange's balance, limits and fees against the bot's budget and limits. */
  async preflight(input: DeployInput): Promise<Preflight> {
    const { effective, compiled } = this.resolve(input);
    if (!input.keyId) throw new UserError("BAD_REQUEST", "A live bot trades through a stored exchange key: choose one (keyId).", { kind: "input", issues: [{ path: "keyId", message: "required for live" }] });
    const key = this.keys.usable(input.keyId);
    const budget = effective.settings.initialCash;
    const group = effective.portfolio;
    return preflight(this.opts.exchange, this.keys, this.db.bans, {
      key,
      symbol: group?.symbols[0] ?? effective.market.symbol,
      ...(group ? { group: { symbols: group.symbols, stake: positionBudget(budget, group) } } : {}),
      budget,
      cashNeeded: budget,
      feeRate: effective.settings.feeRate,
      risk: { ...NO_LIMITS, ...input.risk },
      entries: new Strategy(compiled.spec).entries,
      probation: this.probationTerms("live", key.testnet),
      warmupBars: input.warmupBars ?? DEFAULT_WARMUP_BARS,
      warmup: warmupNeed(compiled.spec),
    });
  }

  /** Pre-flight of starting a stored live bot: what it may still spend against the free balance. */
  async preflightBot(id: string): Promise<Preflight> {
    const b = this.row(id);
    if (!b.keyId) throw new UserError("BAD_REQUEST", "This live bot's key was deleted: deploy the strategy again with a key.", { kind: "input", issues: [{ path: "keyId", message: "missing" }] });
    const key = this.keys.usable(b.keyId);
    const group = b.flow.portfolio;
    return preflight(this.opts.exchange, this.keys, this.db.bans, {
      key,
      symbol: group?.symbols[0] ?? b.symbol,
      ...(group ? { group: { symbols: group.symbols, stake: positionBudget(b.flow.settings.initialCash, group) } } : {}),
      budget: b.flow.settings.initialCash,
      cashNeeded: b.book.cash,
      feeRate: b.flow.settings.feeRate,
      risk: b.risk,
      entries: new Strategy(b.spec).entries,
      probation: b.probation && b.probation.liftedAt === null ? { fraction: b.probation.fraction, trades: b.probation.trades, days: (b.probation.until - b.probation.startedAt) / 86_400_000 } : null,
      warmupBars: b.warmupBars,
      warmup: warmupNeed(b.spec),
    });
  }

  private keyRow(keyId: string) {
    const k = this.db.keys.get(keyId);
    if (!k) throw notFound("This key");
    return k;
  }

  private checkLive(keyId: string | undefined, exchange: string, confirmed: boolean): void {
    if (!keyId) throw new UserError("BAD_REQUEST", "A live bot trades through a stored exchange key: choose one (keyId).", { kind: "input", issues: [{ path: "keyId", message: "required for live" }] });
    const k = this.keyRow(keyId);
    this.keys.usable(keyId);
    if (k.exchange !== exchange) {
      throw new UserError("BAD_REQUEST", `The key "${k.label}" is for ${k.exchange}, but the bot trades on ${exchange}. Pick a ${exchange} key.`, { kind: "key", reason: "wrong-exchange" });
    }
    if (withdrawConfirmationMissing(k) && k.permissions?.canTrade !== false) {
      throw new UserError(
        "BAD_REQUEST",
        `The key "${k.label}" may run paper bots only until you confirm that withdrawals are disabled for it (${k.exchange} does not report it): disable withdrawals for the key on ${k.exchange}, then confirm it on the key's card or with \`keyflow keys confirm-no-withdraw ${k.id}\`.`,
        { kind: "key", reason: "withdraw-unconfirmed" },
      );
    }
    if (k.probeStatus !== "ok" || !k.liveAllowed) {
      throw new UserError("BAD_REQUEST", `The key "${k.label}" may not trade live: ${k.probeMessage ?? k.warnings.find((w) => /cannot trade/.test(w)) ?? "its permission check did not pass"}. Check it again (keys.probe) after fixing its permissions.`, {
        kind: "key",
        reason: "permission",
      });
    }
    if (!confirmed) {
      throw new UserError("BAD_REQUEST", "Live trading places real orders with real money. Confirm it explicitly (confirmLive: true; in the CLI --live --yes-i-understand).", {
        kind: "input",
        issues: [{ path: "confirmLive", message: "must be true for live" }],
      });
    }
  }

  // ---------------------------------------------------------------- read

  list(): BotView[] {
    return this.db.bots.list().map((b) => toBotView(this.db, b));
  }

  view(id: string): BotView {
    return toBotView(this.db, this.row(id));
  }

  get(id: string): BotDetail {
    return toBotDetail(this.db, this.row(id));
  }

  /** The bot's received candles replayed through the backtest engine and compared with what it did. */
  drift(id: string): DriftReport {
    return driftReport(this.db, this.row(id));
  }

  events(botId: string | undefined, signal?: AbortSignal): AsyncGenerator<BotStreamEvent> {
    if (botId !== undefined) this.row(botId);
    return botStream(this.db, this.notifier, { botId }, signal);
  }

  private row(id: string): Bot {
    const b = this.db.bots.get(id);
    if (!b) throw notFound("This bot");
    return b;
  }

  // ---------------------------------------------------------------- start / stop

  /** Sets the bot running (clearing a halt) and runs it here unless `launch: false` (the caller runs it). */
  start(id: string, opts: { launch?: boolean } = {}): BotView {
    const b = this.row(id);
    if (b.mode === "live") {
      if (!b.keyId) throw new UserError("BAD_REQUEST", "This live bot's key was deleted: deploy the strategy again with a key.", { kind: "input", issues: [{ path: "keyId", message: "missing" }] });
      this.checkLive(b.keyId, b.exchange, true);
    }
    this.db.bots.update(id, { status: "running", haltReason: null, haltedUntil: null, startedAt: Date.now() });
    this.db.bots.log(id, "info", b.status === "paused" ? "Resumed: catching up on the candles missed while paused." : "Started.");
    if (opts.launch !== false) this.launch(id);
    this.notifier.notify();
    return this.view(id);
  }

  /**
   * Pauses a running bot: it stops acting on candles, but unlike a stop nothing is cancelled — a stop
   * resting on the exchange keeps protecting the position. Resume (start) catches up on the candles
   * it missed, as after downtime.
   */
  async pause(id: string): Promise<BotView> {
    const b = this.row(id);
    if (b.status !== "running" && b.status !== "halted") {
      throw new UserError("CONFLICT", `This bot is ${b.status}: only a running bot can be paused.`, { kind: "conflict" });
    }
    this.db.bots.update(id, { status: "paused", stoppedAt: Date.now() });
    this.db.bots.log(id, "info", "Paused by hand: no new orders until resumed; working orders stay on the exchange.");
    this.notifier.notify();
    await this.runners.get(id)?.halt();
    return this.view(id);
  }

  /** Deletes a stopped bot with its journal, fills and log (export the journal first: journalCsv). */
  delete(id: string): { deleted: true } {
    const b = this.row(id);
    if (b.status !== "stopped") throw new UserError("CONFLICT", `This bot is ${b.status}: stop it first (stopping cancels its orders), then delete it.`, { kind: "conflict" });
    if (this.runners.has(id) || (b.lease !== null && b.lease.until > Date.now())) {
      throw new UserError("CONFLICT", "This bot is still winding down in a Keyflow process: try again in a few seconds.", { kind: "conflict" });
    }
    if (this.db.bots.activeOrders(id).length > 0) {
      throw new UserError("CONFLICT", "This bot still has orders working on the exchange: start and stop it again (stopping cancels them), then delete it.", { kind: "conflict" });
    }
    this.db.bots.remove(id);
    this.notifier.notify();
    return { deleted: true };
  }

  /** The bot's order journal as CSV (to keep before deleting it). */
  journalCsv(id: string): { fileName: string; csv: string } {
    const b = this.row(id);
    const name = `${b.name}-${b.symbol}-journal`.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
    return { fileName: `${name}.csv`, csv: journalCsv(this.db.bots.allOrders(id)) };
  }

  /** Stops the bot and cancels its open orders on the exchange (the position is left as it is). */
  async stop(id: string): Promise<BotView & { cancelledOrders: number }> {
    this.row(id);
    this.db.bots.update(id, { status: "stopped", stoppedAt: Date.now() });
    this.notifier.notify();
    const cancelledOrders = await this.wind(id);
    return { ...this.view(id), cancelledOrders };
  }

  /**
   * The kill switch: every bot is marked stopped in one transaction (runners in any process stop
   * before their next order), then runners here end and every open order of every bot is cancelled.
   */
  async stopAll(opts: { close?: boolean } = {}): Promise<StopAllResult> {
    const { closedPositions, openPositions } = opts.close ? await this.closeAll() : { closedPositions: 0, openPositions: [] };
    const now = Date.now();
    const toStop = this.db.transaction(() => {
      const running = this.db.bots.list().filter((b) => b.status !== "stopped");
      for (const b of running) this.db.bots.update(b.id, { status: "stopped", stoppedAt: now });
      return running;
    });
    for (const b of toStop) this.db.bots.log(b.id, "warn", "Stopped by the kill switch.");
    this.notifier.notify();
    const errors: string[] = [];
    let cancelledOrders = 0;
    const all = this.db.bots.list();
    await Promise.all(
      all.map(async (b) => {
        try {
          const n = await this.wind(b.id);
          cancelledOrders += n;
        } catch (e) {
          errors.push(`${b.name}: ${errorText(e)}`);
        }
      }),
    );
    if (!opts.close) {
      for (const b of this.db.bots.list()) {
        for (const p of heldPositions(b)) openPositions.push(`${b.name}: ${p.qty} ${assetsOfSymbol(p.symbol).base} still held (the kill switch without close leaves positions open)`);
      }
    }
    return { stopped: toStop.length, cancelledOrders, closedPositions, openPositions, errors };
  }

  /**
   * Asks the runner of a live bot to sell its position now (within one poll). The bot must be
   * running somewhere: its runner journals and follows the sell like any order.
   */
  closePosition(id: string): BotView {
    const b = this.row(id);
    if (b.mode !== "live") {
      throw new UserError("BAD_REQUEST", "A paper bot's position follows its backtest exactly; stop the bot to end it (nothing real is held).", { kind: "input", issues: [{ path: "id", message: "paper" }] });
    }
    if (b.status === "stopped" || b.lease === null || b.lease.until <= Date.now()) {
      throw new UserError("CONFLICT", "This bot is not running, so nothing would follow the sell: start it (it closes the position at its first poll if you ask again), or sell on the exchange by hand.", { kind: "conflict" });
    }
    if (heldPositions(b).length === 0) throw new UserError("CONFLICT", "This bot holds no position: there is nothing to close.", { kind: "conflict" });
    this.db.bots.update(id, { closeRequestedAt: Date.now() });
    this.db.bots.log(id, "warn", "Close requested by hand: selling the position at the next poll.");
    this.notifier.notify();
    return this.view(id);
  }

  /** The first half of the kill switch with close: every running live bot with a position sells it; waits for the fills. */
  private async closeAll(): Promise<{ closedPositions: number; openPositions: string[] }> {
    const holding = this.db.bots.list().filter((b) => b.mode === "live" && b.status !== "stopped" && heldPositions(b).length > 0);
    const asked: string[] = [];
    const openPositions: string[] = [];
    for (const b of holding) {
      try {
        this.closePosition(b.id);
        asked.push(b.id);
      } catch (e) {
        openPositions.push(`${b.name}: ${errorText(e)}`);
      }
    }
    const flat = (id: string) => {
      const b = this.db.bots.get(id);
      return !!b && b.closeRequestedAt === null && heldPositions(b).length === 0 && this.db.bots.activeOrders(id).length === 0;
    };
    const until = Date.now() + CLOSE_WAIT_MS;
    while (Date.now() < until && !asked.every(flat)) await new Promise((r) => setTimeout(r, 50));
    for (const id of asked) if (!flat(id)) openPositions.push(`${this.db.bots.get(id)?.name ?? id}: the sell did not fill within ${CLOSE_WAIT_MS / 1000} s — check the exchange`);
    return { closedPositions: asked.filter(flat).length, openPositions };
  }

  /** Ends this process's runner of a stopped bot (it cancels its orders), else cancels them directly. */
  private async wind(id: string): Promise<number> {
    const runner = this.runners.get(id);
    let cancelled = 0;
    if (runner) {
      await runner.halt();
      cancelled += runner.cancelledOnStop;
    }
    const b = this.row(id);
    if (b.mode === "live" && b.keyId && this.db.bots.activeOrders(id).some((o) => o.status !== "pending")) cancelled += await this.cancelDirectly(b);
    return cancelled;
  }

  /** Cancels a live bot's open orders without its runner (it runs elsewhere, or not at all). */
  private async cancelDirectly(b: Bot): Promise<number> {
    const ex = connectExchange(this.opts.exchange, b.exchange, { credentials: this.keys.credentials(b.keyId!), keyId: b.keyId!, bans: this.db.bans, testnet: this.keys.isTestnet(b.keyId!) });
    const gw = new OrderGateway(ex, new Retrier({ maxAttempts: 3 }));
    let n = 0;
    try {
      for (const o of this.db.bots.activeOrders(b.id)) {
        if (!(ACTIVE_ORDER_STATUSES as readonly string[]).includes(o.status) || o.status === "pending") continue;
        // A group's rows name their market; rows from before migration 0016 have the bot's.
        const r = await gw.cancelOrder(o.symbol || b.symbol, { clientOrderId: exchangeClientId(o, (cid) => this.db.bots.getOrder(cid)) });
        if (r.status === "canceled") {
          n++;
          // Fills are recorded by the runner's reconciliation on its next start (filledQty > recorded fills).
          this.db.bots.updateOrder(o.clientOrderId, { status: "cancelled", exchangeOrderId: r.order.id, filledQty: r.order.filled, message: "Cancelled by stop.", closedAt: Date.now() });
          this.db.bots.log(b.id, "info", `Cancelled the ${o.intent} order of the ${utcMinute(o.barTime)} candle (bot stopped).`);
        }
      }
    } finally {
      await ex.close().catch(() => undefined);
    }
    this.notifier.notify();
    return n;
  }

  // ---------------------------------------------------------------- runners in this process

  /** Starts a runner here unless one runs (here or in another live process). */
  private launch(id: string): void {
    if (this.closed) return;
    const current = this.runners.get(id);
    if (current) {
      // Started again while its runner is still winding down from a stop: run it once that one is gone.
      if (current.halting) void current.finished.catch(() => undefined).then(() => setImmediate(() => this.launch(id)));
      return;
    }
    let runner: BotRunner;
    try {
      runner = new BotRunner(id, {
        db: this.db,
        keys: this.keys,
        exchange: this.opts.exchange,
        settings: this.opts.settings,
        ...(this.opts.crash ? { crash: this.opts.crash } : {}),
        notify: () => this.notifier.notify(),
        streams: this.streams,
        ...(this.opts.log ? { log: this.opts.log } : {}),
        ...(this.opts.alerts ? { alerts: this.opts.alerts } : {}),
      }).start();
    } catch (e) {
      if (e instanceof LeaseHeldError) return;
      throw e;
    }
    this.runners.set(id, runner);
    runner.finished
      .catch((e: unknown) => {
        const message = errorText(e);
        this.opts.log?.(`[bot ${id.slice(0, 8)}] runner failed: ${e instanceof Error && e.stack ? redact(e.stack) : message}`);
        if (this.db.bots.get(id)) {
          this.db.bots.update(id, { status: "halted", haltReason: `The runner failed: ${message}`, haltedUntil: null });
          this.db.bots.log(id, "error", `The runner failed: ${message}`);
        }
      })
      .finally(() => {
        if (this.runners.get(id) === runner) this.runners.delete(id);
        this.notifier.notify();
      });
  }

  /** Runs bots that should be running and that nobody runs (server start; deployed by the CLI). */
  private adopt(): void {
    if (this.closed) return;
    for (const b of this.db.bots.list()) {
      if (this.runners.has(b.id)) continue;
      const wanted = b.status === "running" || (b.status === "halted" && b.haltedUntil !== null);
      // A live lease of another process makes launch() a no-op (LeaseHeldError); a dead holder is taken over.
      if (!wanted) continue;
      try {
        this.launch(b.id);
      } catch (e) {
        this.opts.log?.(`Could not start bot ${b.id}: ${errorText(e)}`);
      }
    }
  }

  /** Waits until the runner of a bot has ended (tests). */
  async settle(id: string): Promise<void> {
    await this.runners.get(id)?.finished.catch(() => undefined);
  }

  /** Process shutdown: runners end (bots stay "running" and resume on the next start). */
  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    await Promise.all([...this.runners.values()].map((r) => r.halt().catch(() => undefined)));
    this.runners.clear();
  }
}
