// Alerts when the page is closed: bot fills, stops, halts, degraded and recovered states, sent to a
// generic webhook (JSON POST signed with HMAC-SHA256) or a Telegram chat. Channel secrets are sealed
// by the vault like exchange secrets; deliveries are retried with back-off and carry one id, so a
// receiver that saw an alert already can drop the retry.
import { createHmac, randomUUID } from "node:crypto";
import type { AlertChannel, AlertKind, KeyflowDb } from "@keyflow/db";
import { redact } from "@keyflow/exchange";
import { notFound, UserError } from "../errors";
import type { Vault } from "../vault";
import { DAY_MS, dailySummaryText } from "./dailySummary";

export const ALERT_TYPES = ["fill", "stop", "halt", "degraded", "recovered", "probation", "summary", "test"] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface AlertEvent {
  type: AlertType;
  /** The bot it is about, if any. */
  bot: { id: string; name: string; mode: "paper" | "live" } | null;
  /** One line in plain words (already free of secrets: it comes from bot logs). */
  text: string;
}

/** What bots need: somewhere to say that something happened. */
export interface AlertSink {
  notify(event: AlertEvent): void;
}

type Config = { kind: "webhook"; url: string; secret: string } | { kind: "telegram"; token: string; chatId: string };

export interface AlertChannelView {
  id: string;
  kind: AlertKind;
  label: string;
  target: string;
  createdAt: number;
  lastSentAt: number | null;
  lastError: string | null;
}

export interface AlertServiceOptions {
  /** Telegram's Bot API base (tests point it at a loopback fake). */
  telegramUrl?: string;
  /** Attempts per delivery (default 5) and the first back-off step (default 1 s, doubling). */
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
}

/** The header a webhook receiver checks: `sha256=` + HMAC-SHA256 of the raw body with the channel's secret. */
export const SIGNATURE_HEADER = "x-keyflow-signature";
/** The same id on every retry of one alert. */
export const ALERT_ID_HEADER = "x-keyflow-alert-id";

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

const aad = (id: string) => `alert/${id}`;

export class AlertService implements AlertSink {
  private readonly pending = new Set<Promise<void>>();
  private readonly telegramUrl: string;

  constructor(
    private readonly db: KeyflowDb,
    private readonly vault: Vault,
    private readonly opts: AlertServiceOptions = {},
  ) {
    this.telegramUrl = (opts.telegramUrl ?? process.env.KEYFLOW_TELEGRAM_API_URL ?? "https://api.telegram.org").replace(/\/$/, "");
  }

  addWebhook(input: { label?: string | undefined; url: string; secret: string }): AlertChannelView {
    let u: URL;
    try {
      u = new URL(input.url);
    } catch {
      throw new UserError("BAD_REQUEST", "The webhook URL is not a URL: paste the full address, starting with https://.", { kind: "input", issues: [{ path: "url", message: "not a URL" }] });
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new UserError("BAD_REQUEST", "The webhook URL must start with https:// (or http:// on your own network).", { kind: "input", issues: [{ path: "url", message: "not http(s)" }] });
    if (input.secret.length < 16) throw new UserError("BAD_REQUEST", "The signing secret must be at least 16 characters (e.g. `openssl rand -hex 32`); the receiver checks the signature with it.", { kind: "input", issues: [{ path: "secret", message: "too short" }] });
    return this.create("webhook", input.label?.trim() || `Webhook ${u.host}`, `${u.protocol}//${u.host}/…`, { kind: "webhook", url: input.url, secret: input.secret });
  }

  addTelegram(input: { label?: string | undefined; token: string; chatId: string }): AlertChannelView {
    if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(input.token)) {
      throw new UserError("BAD_REQUEST", "That is not a Telegram bot token (it looks like 123456:ABC-…, from @BotFather).", { kind: "input", issues: [{ path: "token", message: "not a bot token" }] });
    }
    if (!/^-?\d+$|^@[A-Za-z0-9_]{5,}$/.test(input.chatId)) {
      throw new UserError("BAD_REQUEST", "The chat id is a number (e.g. 123456789, or -100… for a group) or a channel name starting with @.", { kind: "input", issues: [{ path: "chatId", message: "not a chat id" }] });
    }
    return this.create("telegram", input.label?.trim() || "Telegram", `chat …${input.chatId.slice(-4)}`, { kind: "telegram", token: input.token, chatId: input.chatId });
  }

  list(): AlertChannelView[] {
    return this.db.alerts.list().map(view);
  }

  remove(id: string): void {
    if (!this.db.alerts.remove(id)) throw notFound("This alert channel");
  }

  /** Sends a test alert to one channel and says whether it arrived. */
  async test(id: string): Promise<AlertChannelView> {
    const row = this.db.alerts.get(id);
    if (!row) throw notFound("This alert channel");
    await this.deliver(row, { type: "test", bot: null, text: "Test alert from Keyflow: this channel works." }, randomUUID());
    return view(this.db.alerts.get(id)!);
  }

  notify(event: AlertEvent): void {
    const id = randomUUID();
    for (const row of this.db.alerts.list()) {
      const p = this.deliver(row, event, id).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /**
   * After 00:00 UTC: the summary of the day that ended goes to every channel that existed during it,
   * once per (channel, day) — the claim is stored, so a restart or a second process does not repeat it.
   * Returns how many channels it was sent to.
   */
  async dailySummary(now = Date.now()): Promise<number> {
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const day = today - DAY_MS;
    const rows = this.db.alerts.list().filter((r) => r.createdAt < today && (r.summaryDay === null || r.summaryDay < day));
    if (rows.length === 0) return 0;
    const text = dailySummaryText(this.db, day);
    if (text === null) return 0;
    const id = randomUUID();
    const claimed = rows.filter((r) => this.db.alerts.claimSummary(r.id, day));
    await Promise.all(claimed.map((r) => this.deliver(r, { type: "summary", bot: null, text }, id)));
    return claimed.length;
  }

  /** Checks every minute whether a daily summary is due (the server process); returns the stop function. */
  scheduleDailySummary(everyMs = 60_000): () => void {
    const t = setInterval(() => {
      const p = this.dailySummary().catch(() => 0).then(() => undefined);
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }, everyMs);
    t.unref();
    return () => clearInterval(t);
  }

  /** Resolves when every delivery in flight has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private create(kind: AlertKind, label: string, target: string, config: Config): AlertChannelView {
    const id = randomUUID();
    return view(this.db.alerts.create({ id, kind, label, target, configSealed: this.vault.seal(JSON.stringify(config), aad(id)) }));
  }

  private async deliver(row: AlertChannel, event: AlertEvent, alertId: string): Promise<void> {
    let config: Config;
    try {
      config = JSON.parse(this.vault.open(row.configSealed, aad(row.id))) as Config;
    } catch {
      this.db.alerts.delivered(row.id, "Its settings cannot be opened (the master key changed?): add the channel again.");
      return;
    }
    const secrets = config.kind === "webhook" ? [config.secret, config.url] : [config.token];
    const attempts = this.opts.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(config, event, alertId);
        this.db.alerts.delivered(row.id, null);
        return;
      } catch (e) {
        const retry = !(e instanceof DeliveryError) || e.retry;
        if (!retry || attempt >= attempts) {
          this.db.alerts.delivered(row.id, redact(`Not delivered after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${e instanceof Error ? e.message : String(e)}`, secrets));
          return;
        }
        await new Promise((r) => setTimeout(r, (this.opts.baseDelayMs ?? 1000) * 2 ** (attempt - 1)));
      }
    }
  }

  private async send(config: Config, event: AlertEvent, alertId: string): Promise<void> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 10_000);
    let res: Response;
    if (config.kind === "webhook") {
      const body = JSON.stringify({ id: alertId, type: event.type, bot: event.bot, text: event.text, at: new Date().toISOString() });
      const signature = `sha256=${createHmac("sha256", config.secret).update(body).digest("hex")}`;
      res = await fetch(config.url, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature, [ALERT_ID_HEADER]: alertId }, body, signal });
    } else {
      const text = `${event.bot ? `${event.bot.mode === "live" ? "🔴 LIVE" : "PAPER"} ${event.bot.name}: ` : ""}${event.text}`;
      res = await fetch(`${this.telegramUrl}/bot${config.token}/sendMessage`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat_id: config.chatId, text, disable_web_page_preview: true }), signal });
    }
    if (res.ok) return;
    // 429 and 5xx are worth another try; other answers mean the channel's settings are wrong.
    throw new DeliveryError(`the receiver answered HTTP ${res.status}`, res.status === 429 || res.status >= 500);
  }
}

function view(r: AlertChannel): AlertChannelView {
  return { id: r.id, kind: r.kind, label: r.label, target: r.target, createdAt: r.createdAt, lastSentAt: r.lastSentAt, lastError: r.lastError };
}
