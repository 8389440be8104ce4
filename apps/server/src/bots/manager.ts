// Deploys, starts and stops bots; runs their runners in this process; the kill switch.
import { randomUUID } from "node:crypto";
import { compile, type FlowGraph, type Market, type Settings } from "@keyflow/core";
import { ACTIVE_ORDER_STATUSES, DEFAULT_AFTER_DOWNTIME, type AfterDowntime, type Bot, type BotMode, type BotRiskLimits, type KeyflowDb } from "@keyflow/db";
import { exchangeIds, OrderGateway, redact, Retrier } from "@keyflow/exchange";
import { notFound, UserError } from "../errors";
import { connectExchange } from "../keys/connect";
import type { ExchangeSettings } from "../keys/exchangeSettings";
import { withdrawConfirmationMissing, type KeyService } from "../keys/keyService";
import type { CrashHook } from "./crashHook";
import { emptyBook } from "./ledger";
import { BotRunner, LeaseHeldError } from "./runner";
import type { BotSettings } from "./settings";
import { BotNotifier, botStream } from "./stream";
import { toBotDetail, toBotView, type BotDetail, type BotStreamEvent, type BotView } from "./views";
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
  errors: string[];
}

export const DEFAULT_WARMUP_BARS = 500;
const NO_LIMITS: BotRiskLimits = { maxOrderValue: null, maxPosition: null, maxDailyLoss: null, maxOrdersPerHour: null };

export interface BotManagerOptions {
  exchange: ExchangeSettings;
  settings: BotSettings;
  crash?: CrashHook;
  log?: (line: string) => void;
  /** Start runners for bots left running (server start) and adopt bots set running elsewhere (default true). */
  autoRun?: boolean;
}

export class BotManager {
  readonly notifier = new BotNotifier();
  private readonly runners = new Map<string, BotRunner>();
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

  deploy(input: DeployInput): BotView {
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
    const mode: BotMode = input.mode ?? "paper";
    if (mode === "live") this.checkLive(input.keyId, market.exchange, input.confirmLive === true);
    else if (input.keyId !== undefined) this.keyRow(input.keyId);
    const risk: BotRiskLimits = { ...NO_LIMITS, ...input.risk };
    const id = randomUUID();
    const start = input.start !== false;
    const now = Date.now();
    db.bots.create({
      id,
      name: input.name?.trim() || `${effective.name} · ${market.symbol} ${market.timeframe}`,
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
      warmupBars: input.warmupBars ?? DEFAULT_WARMUP_BARS,
      book: emptyBook(effective.settings.initialCash),
    });
    db.bots.update(id, start ? { startedAt: now } : { stoppedAt: now });
    const onTestnet = mode === "live" && input.keyId !== undefined && this.keys.isTestnet(input.keyId);
    const how = mode === "live" ? (onTestnet ? "LIVE on the exchange's TESTNET (play money)" : "LIVE (real orders)") : "in paper mode (simulated fills)";
    db.bots.log(id, mode === "live" ? "warn" : "info", `Deployed ${how} on ${market.exchange} ${market.symbol} ${market.timeframe}; spec ${compiled.hash.slice(0, 12)}.`);
    if (start) this.launch(id);
    this.notifier.notify();
    return this.view(id);
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
    this.db.bots.log(id, "info", "Started.");
    if (opts.launch !== false) this.launch(id);
    this.notifier.notify();
    return this.view(id);
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
  async stopAll(): Promise<StopAllResult> {
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
    return { stopped: toStop.length, cancelledOrders, errors };
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
        const r = await gw.cancelOrder(b.symbol, { clientOrderId: o.clientOrderId });
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
        ...(this.opts.log ? { log: this.opts.log } : {}),
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
