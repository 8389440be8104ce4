import { useMemo, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { marketSchema, NAME_MAX, timeframeSchema, type Market, type Timeframe } from "@keyflow/core";
import { Modal } from "../ui/Modal";
import { app } from "../app/appStore";
import { strategiesQuery } from "../app/session";
import { useEditor } from "../editor/store";
import { blockedReason } from "../editor/validation";
import { errorMessage } from "../lib/errors";
import { money } from "../ui/format";
import { userErrorOf } from "../lib/errors";
import { EXCHANGES } from "../keys/credentials";
import { useKeys } from "../keys/KeysPage";
import { trpc, trpcClient } from "../lib/trpc";
import type { BotRisk, BotView, DeployInput } from "./types";
import { botsUi } from "./live";
import { ModeBadge } from "./badges";

type RiskField = keyof BotRisk;

/** What a live bot does about candles missed while it was down (the server's setting, all fields given). */
type AfterDowntime = Required<NonNullable<DeployInput["afterDowntime"]>>;

/** Defaults scaled to the bot's budget: a runaway strategy or a bad day stops at these. */

const STOP_WORDS = {
  oco: "rest on the exchange (stop loss and take profit as one OCO order)",
  stop: "rest on the exchange as a stop order",
  none: "checked when each candle closes (the exchange holds no stop orders here)",
} as const;

export function defaultRisk(budget: number): BotRisk {
  const b = Number.isFinite(budget) && budget > 0 ? budget : 1000;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { maxOrderValue: round(b), maxPosition: round(b * 1.5), maxDailyLoss: round(b * 0.05), maxOrdersPerHour: 20 };
}

const RISK_TEXT: Record<RiskField, { label: string; unit: "quote" | "orders"; help: string }> = {
  maxOrderValue: { label: "Max order value", unit: "quote", help: "No single order worth more than this is sent." },
  maxPosition: { label: "Max position", unit: "quote", help: "The position's value after an order may not exceed this." },
  maxDailyLoss: { label: "Max daily loss", unit: "quote", help: "At this loss in a day (UTC) the bot stops opening positions until midnight." },
  maxOrdersPerHour: { label: "Max orders per hour", unit: "orders", help: "More orders than this in an hour are refused: a runaway flow stops here." },
};
const RISK_FIELDS: RiskField[] = ["maxOrderValue", "maxPosition", "maxDailyLoss", "maxOrdersPerHour"];

/** A number field's text: blank = no limit. */
function parseLimit(text: string, integer: boolean): { ok: true; value: number | null } | { ok: false } {
  const t = text.trim();
  if (t === "") return { ok: true, value: null };
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) return { ok: false };
  return { ok: true, value: n };
}

const quoteOf = (symbol: string) => symbol.split("/")[1]?.split(":")[0] || "quote";

/** Where a bot may trade: the flow's market, unless it is the demo market (no live candles). */
export function tradableMarket(m: Market): Market {
  return m.exchange === "demo" ? { exchange: "binance", symbol: "BTC/USDT", timeframe: m.timeframe } : m;
}

/**
 * Deploy a strategy as a bot. Paper is the default and the calm choice; live needs a key whose
 * check allowed trading and a second step that says plainly that real money is at risk.
 */
export function DeployDialog({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const flow = useEditor((s) => s.flow);
  const currentId = useEditor((s) => s.strategyId);
  const validation = useEditor((s) => s.validation);
  const strategies = useQuery(strategiesQuery());
  const keys = useKeys();

  const [source, setSource] = useState<string>("current");
  const [name, setName] = useState("");
  const initialMarket = tradableMarket(flow.market);
  const [exchange, setExchange] = useState(initialMarket.exchange);
  const [symbol, setSymbol] = useState(initialMarket.symbol);
  const [timeframe, setTimeframe] = useState<Timeframe>(initialMarket.timeframe);
  const [mode, setMode] = useState<"paper" | "live">("paper");
  const [keyId, setKeyId] = useState<string>("");
  const [afterDowntime, setAfterDowntime] = useState<AfterDowntime>({ exits: "exit", entries: "skip" });
  const [budgetText, setBudgetText] = useState(String(flow.settings.initialCash));
  const [riskText, setRiskText] = useState<Partial<Record<RiskField, string>>>({});
  const [step, setStep] = useState<"form" | "confirm">("form");
  const [ack, setAck] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const saved = useMemo(() => [...(strategies.data ?? [])].sort((a, b) => b.updatedAt - a.updatedAt), [strategies.data]);
  const chosen = source === "current" ? null : (saved.find((s) => s.id === source) ?? null);
  const strategyName = chosen ? chosen.name : flow.name;
  const market: Market = { exchange: exchange.trim().toLowerCase(), symbol: symbol.trim().toUpperCase(), timeframe };
  const quote = quoteOf(market.symbol);

  const budget = Number(budgetText);
  const budgetOk = budgetText.trim() !== "" && Number.isFinite(budget) && budget > 0;
  const defaults = defaultRisk(budgetOk ? budget : flow.settings.initialCash);
  const riskValue = (f: RiskField) => riskText[f] ?? String(defaults[f]);
  const parsedRisk = RISK_FIELDS.map((f) => [f, parseLimit(riskValue(f), f === "maxOrdersPerHour")] as const);
  const riskBad = new Set(parsedRisk.filter(([, r]) => !r.ok).map(([f]) => f));
  const risk = Object.fromEntries(parsedRisk.map(([f, r]) => [f, r.ok ? r.value : null])) as BotRisk;

  const allKeys = keys.data ?? [];
  const exchangeKeys = allKeys.filter((k) => k.exchange === market.exchange);
  const key = exchangeKeys.find((k) => k.id === keyId) ?? null;

  const problems: string[] = [];
  const flowBlocked = source === "current" ? blockedReason(validation) : null;
  if (flowBlocked) problems.push(flowBlocked);
  if (market.exchange === "demo") problems.push("Bots follow live candles from an exchange; the demo market has none. Pick an exchange market.");
  else if (!marketSchema.safeParse(market).success || !/^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/.test(market.symbol)) problems.push("Enter the exchange and a symbol such as BTC/USDT.");
  if (!budgetOk) problems.push("Enter a budget above 0.");
  if (riskBad.size > 0) problems.push("Risk limits must be positive numbers (leave one blank for no limit).");
  if (mode === "live") {
    if (!key) problems.push(exchangeKeys.length === 0 ? `Live trading needs a ${market.exchange || "exchange"} key: add one on the Keys page.` : "Choose the key the bot trades with.");
    else if (!key.liveAllowed) problems.push(`The key “${key.label}” may not trade live (its check did not allow trading).`);
  }

  const input = (): DeployInput => ({
    ...(source === "current" ? { flow, ...(currentId ? { strategyId: currentId } : {}) } : { strategyId: source }),
    ...(name.trim() ? { name: name.trim() } : {}),
    market,
    mode,
    ...(mode === "live" && key ? { keyId: key.id, confirmLive: true, afterDowntime } : {}),
    risk,
    settings: { initialCash: budget },
  });

  const deploy = async () => {
    if (problems.length > 0 || busy) return;
    if (mode === "live" && !ack) return;
    setBusy(true);
    setError(null);
    try {
      const bot: BotView = await trpcClient.bots.deploy.mutate(input());
      qc.setQueryData(trpc.bots.list.queryKey(), (list) => (list ? [bot, ...list.filter((b) => b.id !== bot.id)] : list));
      void qc.invalidateQueries({ queryKey: trpc.bots.list.queryKey() });
      // A new deploy makes an earlier kill-switch summary old news.
      botsUi.setState({ selectedId: bot.id, kill: null });
      app.set({ view: "bots" });
      app.toast(`Deployed “${bot.name}” ${bot.mode === "live" ? "LIVE" : "in paper mode"}.`);
      onClose();
    } catch (e) {
      const ue = userErrorOf(e);
      setError(errorMessage(e));
      // A refusal about the live key or its confirmation belongs to the form, not the confirmation step.
      if (ue?.kind === "key" || ue?.kind === "input" || ue?.kind === "compile") setStep("form");
    } finally {
      setBusy(false);
    }
  };

  // The exchange's view of this bot (balance, limits, fees), asked for when the review step opens.
  const preflight = useQuery({ ...trpc.bots.preflight.queryOptions(input()), enabled: step === "confirm" && mode === "live" && !!key, retry: false, staleTime: 0 });
  const pf = preflight.data;

  if (step === "confirm" && mode === "live" && key) {
    return (
      <Modal
        title={key.testnet ? "Deploy a LIVE bot on the TESTNET" : "Deploy a LIVE bot"}
        subtitle="Check everything once more."
        size="narrow"
        onClose={onClose}
        testId="live-confirm"
        footer={
          <>
            <button type="button" className="btn" onClick={() => setStep("form")} disabled={busy} data-testid="live-back">
              Back
            </button>
            <button type="button" className="btn kill" onClick={() => void deploy()} disabled={!ack || busy || !pf?.ok} data-testid="live-deploy">
              {busy ? "Deploying…" : "Deploy LIVE bot"}
            </button>
          </>
        }
      >
        <div className={key.testnet ? "live-warning testnet" : "live-warning"} data-testid="live-warning">
          {key.testnet ? (
            <>
              <b>Testnet: play money.</b> This bot places orders on <b>{market.exchange}</b>&apos;s test environment with the testnet key “{key.label}” ({key.maskedKey}) on its own, candle after candle, until you stop it. No real money moves.
            </>
          ) : (
            <>
              <b>Real money is at risk.</b> This bot places real orders on <b>{market.exchange}</b> with the key “{key.label}” ({key.maskedKey}) on its own, candle after candle, until you stop it. An order the exchange has filled cannot be undone.
            </>
          )}
        </div>
        <dl className="summary">
          <dt>Strategy</dt>
          <dd>{strategyName}</dd>
          <dt>Market</dt>
          <dd>
            {market.exchange} · {market.symbol} · {market.timeframe}
          </dd>
          <dt>Budget</dt>
          <dd>
            {money(budget)} {quote}
          </dd>
          <FragmentRow label="After downtime" value={`${afterDowntime.exits === "exit" ? "exit when the flow got out" : "hold until the next sell signal"}; ${afterDowntime.entries === "skip" ? "skip missed entries" : "enter late on a missed entry"}`} />
          {RISK_FIELDS.map((f) => (
            <FragmentRow key={f} label={RISK_TEXT[f].label} value={risk[f] === null ? "no limit" : `${f === "maxOrdersPerHour" ? risk[f] : money(risk[f])}${RISK_TEXT[f].unit === "quote" ? ` ${quote}` : ""}`} />
          ))}
        </dl>
        <div className="preflight" data-testid="preflight" data-ok={pf ? String(pf.ok) : "pending"}>
          <div className="section-title">Pre-flight on {market.exchange}</div>
          {preflight.isPending && <div className="help">Asking the exchange for the balance, the market's limits and fees…</div>}
          {preflight.error && <div className="error-box">{errorMessage(preflight.error)}</div>}
          {pf && (
            <dl className="summary">
              <FragmentRow label={`Free ${pf.numbers.quote}`} value={`${money(pf.numbers.freeQuote)} ${pf.numbers.quote} (budget ${money(pf.numbers.budget)})`} />
              <FragmentRow label="First order" value={pf.numbers.firstOrderValues.map((v) => (v === null ? "sized in base units" : `${money(v)} ${pf.numbers.quote}`)).join(", ")} />
              {pf.numbers.probation && (
                <FragmentRow label="Start small" value={`entries capped at ${Math.round(pf.numbers.probation.fraction * 100)} % of the ${pf.numbers.markets ? "budget per position" : "budget"} (${money(pf.numbers.probation.cap)} ${pf.numbers.quote}) until you lift the cap`} />
              )}
              {pf.numbers.markets ? (
                pf.numbers.markets.map((m) => (
                  <FragmentRow
                    key={m.symbol}
                    label={`Smallest order ${m.symbol}`}
                    value={`${m.minOrderValue === null ? "not reported" : `${money(m.minOrderValue)} ${pf.numbers.quote}`} · stops ${STOP_WORDS[m.restingStops ?? "none"]}`}
                  />
                ))
              ) : (
                <FragmentRow label="Smallest order" value={pf.numbers.minOrderValue === null ? "not reported" : `${money(pf.numbers.minOrderValue)} ${pf.numbers.quote}`} />
              )}
              <FragmentRow label="Taker fee" value={`${pf.numbers.takerFee === null ? "not reported" : `${(pf.numbers.takerFee * 100).toFixed(3)} %`} (backtest: ${(pf.numbers.flowFee * 100).toFixed(3)} %)`} />
              <FragmentRow label="Stops" value={STOP_WORDS[pf.numbers.restingStops ?? "none"]} />
              <FragmentRow label="Warm-up" value={`${pf.numbers.warmupBars} candles${pf.numbers.warmupNeeded > 0 ? ` (its recursive indicators need ${pf.numbers.warmupNeeded})` : ""}`} />
            </dl>
          )}
          {pf?.refusals.map((r) => (
            <div className="error-box" key={r} data-testid="preflight-refusal">
              {r}
            </div>
          ))}
          {pf?.warnings.map((w) => (
            <div className="help warn" key={w} data-testid="preflight-warning">
              {w}
            </div>
          ))}
        </div>
        <label className="ack">
          <input type="checkbox" checked={ack} onChange={(e) => setAck(e.target.checked)} data-testid="live-ack" />
          <span>{key.testnet ? "I understand that this bot trades on its own on the testnet until I stop it." : "I understand that real money is at risk and that this bot trades on its own until I stop it."}</span>
        </label>
        {error && <div className="error-box" data-testid="deploy-error">{error}</div>}
      </Modal>
    );
  }

  return (
    <Modal
      title="Deploy a bot"
      subtitle="The same evaluator as the backtest, acting once per closed candle."
      onClose={onClose}
      testId="deploy-dialog"
      footer={
        <>
          {problems.length > 0 && (
            <span className="foot-reason" data-testid="deploy-blocked">
              {problems[0]}
            </span>
          )}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          {mode === "paper" ? (
            <button type="button" className="btn run" onClick={() => void deploy()} disabled={problems.length > 0 || busy} data-testid="deploy-submit">
              {busy ? "Deploying…" : "Deploy paper bot"}
            </button>
          ) : (
            <button
              type="button"
              className="btn danger-outline"
              onClick={() => {
                setAck(false);
                setError(null);
                setStep("confirm");
              }}
              disabled={problems.length > 0}
              data-testid="deploy-review-live"
            >
              Review live deployment…
            </button>
          )}
        </>
      }
    >
      <div className="settings-grid">
        <div className="section-title full">Strategy</div>
        <div className="field">
          <label htmlFor="deploy-source">Flow</label>
          <select
            id="deploy-source"
            className="select"
            value={source}
            onChange={(e) => {
              setSource(e.target.value);
              const s = saved.find((x) => x.id === e.target.value);
              const m = s?.market ? tradableMarket(s.market) : e.target.value === "current" ? tradableMarket(flow.market) : null;
              if (m) {
                setExchange(m.exchange);
                setSymbol(m.symbol);
                setTimeframe(m.timeframe);
              }
            }}
            data-testid="deploy-source"
          >
            <option value="current">Current flow: {flow.name}</option>
            {saved
              .filter((s) => s.id !== currentId)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  Saved: {s.name}
                </option>
              ))}
          </select>
          <div className="help">{source === "current" ? "What is on the canvas now, saved or not." : "The strategy's latest saved version."}</div>
        </div>
        <div className="field">
          <label htmlFor="deploy-name">
            <span>Bot name</span>
            <span className="range">optional</span>
          </label>
          <input id="deploy-name" className="input" value={name} maxLength={NAME_MAX} placeholder={`${strategyName} · ${market.symbol} ${market.timeframe}`} onChange={(e) => setName(e.target.value)} data-testid="deploy-name" />
        </div>

        <div className="section-title full" style={{ marginTop: 6 }}>
          Market
        </div>
        <div className="field full">
          <div className="market-row">
            <select className="select" value={EXCHANGES.includes(exchange as (typeof EXCHANGES)[number]) ? exchange : ""} onChange={(e) => setExchange(e.target.value)} aria-label="Exchange" data-testid="deploy-exchange">
              {!EXCHANGES.includes(exchange as (typeof EXCHANGES)[number]) && <option value="">{exchange || "exchange"}</option>}
              {EXCHANGES.map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </select>
            <input className="input mono" value={symbol} onChange={(e) => setSymbol(e.target.value)} placeholder="BTC/USDT" aria-label="Symbol" data-testid="deploy-symbol" />
            <select className="select" value={timeframe} onChange={(e) => setTimeframe(e.target.value as Timeframe)} aria-label="Timeframe" data-testid="deploy-timeframe">
              {timeframeSchema.options.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </div>
          <div className="help">Candles come from the exchange as they close; the bot warms its indicators up on the recent history first.</div>
        </div>

        <div className="section-title full" style={{ marginTop: 6 }}>
          Mode
        </div>
        <div className="mode-choice full" role="radiogroup" aria-label="Mode">
          <button type="button" role="radio" aria-checked={mode === "paper"} className={`mode-card paper${mode === "paper" ? " on" : ""}`} onClick={() => setMode("paper")} data-testid="mode-paper">
            <span className="mode-card-head">
              <ModeBadge mode="paper" /> <b>Paper</b> <span className="rec">recommended</span>
            </span>
            <span>Simulated fills against live candles, exactly like the backtest. No key, no real money.</span>
          </button>
          <button type="button" role="radio" aria-checked={mode === "live"} className={`mode-card live${mode === "live" ? " on" : ""}`} onClick={() => setMode("live")} data-testid="mode-live">
            <span className="mode-card-head">
              <ModeBadge mode="live" /> <b>Live</b>
            </span>
            <span>Real orders with real money through a stored exchange key. Asks for confirmation.</span>
          </button>
        </div>
        {mode === "live" && (
          <div className="field full">
            <label htmlFor="deploy-key">Exchange key</label>
            <select id="deploy-key" className="select" value={key?.id ?? ""} onChange={(e) => setKeyId(e.target.value)} data-testid="deploy-key">
              <option value="">{exchangeKeys.length === 0 ? `No ${market.exchange} key stored` : "Choose a key…"}</option>
              {exchangeKeys.map((k) => (
                <option key={k.id} value={k.id} disabled={!k.liveAllowed}>
                  {k.label} · {k.maskedKey}
                  {k.testnet ? " · TESTNET (play money)" : ""}
                  {k.liveAllowed ? "" : k.needsWithdrawConfirmation ? " — confirm no withdrawals first" : " — may not trade"}
                </option>
              ))}
            </select>
            <div className="help">
              Only keys whose check allowed trading can run live bots.{" "}
              <button type="button" className="link" onClick={() => app.set({ view: "keys" })}>
                Manage keys
              </button>
            </div>
          </div>
        )}
        {mode === "live" && (
          <div className="field full">
            <label htmlFor="deploy-after-exits">After downtime</label>
            <select id="deploy-after-exits" className="select" value={afterDowntime.exits} onChange={(e) => setAfterDowntime((a) => ({ ...a, exits: e.target.value === "hold" ? "hold" : "exit" }))} data-testid="deploy-after-exits">
              <option value="exit">Exit at once when the flow got out while the bot was down</option>
              <option value="hold">Hold until the next sell signal</option>
            </select>
            <select className="select" aria-label="Entries missed during downtime" value={afterDowntime.entries} onChange={(e) => setAfterDowntime((a) => ({ ...a, entries: e.target.value === "enter" ? "enter" : "skip" }))} data-testid="deploy-after-entries">
              <option value="skip">Skip an entry signal missed while down</option>
              <option value="enter">Enter late on a missed entry signal</option>
            </select>
            <div className="help">When the server was off or the exchange unreachable, the flow is replayed over the candles missed; this says what the bot does when that leaves the flow in a different position.</div>
          </div>
        )}

        <div className="section-title full" style={{ marginTop: 6 }}>
          Budget & risk limits
        </div>
        <div className="field">
          <label htmlFor="deploy-budget">
            <span>Budget</span>
            <span className="range">{quote}</span>
          </label>
          <input id="deploy-budget" className={`input${budgetOk ? "" : " invalid"}`} type="number" min={0} step="any" value={budgetText} onChange={(e) => setBudgetText(e.target.value)} data-testid="deploy-budget" />
          <div className="help">The bot's starting cash: order sizes are computed from it.</div>
        </div>
        {RISK_FIELDS.map((f) => (
          <div className="field" key={f}>
            <label htmlFor={`deploy-${f}`}>
              <span>{RISK_TEXT[f].label}</span>
              <span className="range">{RISK_TEXT[f].unit === "quote" ? quote : "per hour"}</span>
            </label>
            <input
              id={`deploy-${f}`}
              className={`input${riskBad.has(f) ? " invalid" : ""}`}
              type="number"
              min={0}
              step={f === "maxOrdersPerHour" ? 1 : "any"}
              value={riskValue(f)}
              placeholder="no limit"
              onChange={(e) => setRiskText((r) => ({ ...r, [f]: e.target.value }))}
              data-testid={`deploy-${f}`}
            />
            <div className={riskBad.has(f) ? "field-error" : "help"}>{riskBad.has(f) ? "A positive number, or blank for no limit." : RISK_TEXT[f].help}</div>
          </div>
        ))}
        <div className="field full">
          <div className="help">Limits are checked before every live order; exits are never refused. Paper fills are simulated and not limited.</div>
        </div>
      </div>
      {error && (
        <div className="error-box" role="alert" data-testid="deploy-error">
          {error}
        </div>
      )}
    </Modal>
  );
}

function FragmentRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
