import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { backtestBotMarket } from "../app/backtest";
import { useQueryClient } from "@tanstack/react-query";
import { app } from "../app/appStore";
import { errorMessage } from "../lib/errors";
import { ago, count, dateTime, money, pct, price, qty, signClass, timeOfDay } from "../ui/format";
import { trpc, trpcClient } from "../lib/trpc";
import { DevDetail, DetailsToggle } from "../ui/Details";
import type { BotDetail, BotEvent, BotOrder, BotView } from "./types";
import { botsUi, isActive, useBot, useBots, useBotsUi } from "./live";
import { KillSwitch, killSummary } from "./KillSwitch";
import { ModeBadge, StatusBadge } from "./badges";
import { DriftPanel } from "./DriftPanel";
import { GroupMarkets } from "./GroupMarkets";
import { downloadFile } from "../ui/download";

const baseOf = (symbol: string) => symbol.split("/")[0] ?? symbol;
const quoteOf = (symbol: string) => symbol.split("/")[1]?.split(":")[0] ?? "";

function positionText(b: BotView): string {
  // A bot over several markets holds its positions per market (shown under its KPIs).
  if (!(b.position.qty > 0)) return b.position.value > 0 ? `${money(b.position.value)} in positions` : "flat";
  if (b.position.qty <= b.position.dust) return `flat (dust ${qty(b.position.qty)} ${baseOf(b.market.symbol)})`;
  return `${qty(b.position.qty)} ${baseOf(b.market.symbol)} @ ${price(b.position.avgEntryPrice)}`;
}

const STATE_HINT: Record<BotView["state"], string> = {
  starting: "waiting for a process to run it",
  "warming up": "loading the recent history",
  running: "",
  degraded: "see the reason above",
  halted: "no new entries until it is started again",
  paused: "its orders on the exchange stay; resume to catch up",
  stopped: "not running",
};

function lastCandleText(b: BotView): string {
  if (b.lastBarTime === null) return b.state === "warming up" || b.state === "starting" ? "warming up…" : "—";
  return dateTime(b.lastBarTime);
}

/** Start or stop one bot; stopping cancels its open orders (the position stays). */
function StartStop({ bot, small }: { bot: BotView; small?: boolean }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const act = async () => {
    setBusy(true);
    try {
      if (isActive(bot)) {
        const r = await trpcClient.bots.stop.mutate({ id: bot.id });
        app.toast(`Stopped “${bot.name}”${r.cancelledOrders ? `; cancelled ${count(r.cancelledOrders, "open order")}` : ""}.`);
      } else {
        await trpcClient.bots.start.mutate({ id: bot.id });
        app.toast(`Started “${bot.name}”.`);
      }
    } catch (e) {
      app.toast(errorMessage(e), true);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: trpc.bots.list.queryKey() });
      void qc.invalidateQueries({ queryKey: trpc.bots.get.queryKey({ id: bot.id }) });
    }
  };
  return (
    <button
      type="button"
      className={`btn ${small ? "small" : ""} ${isActive(bot) ? "" : "start"}`}
      onClick={(e) => {
        e.stopPropagation();
        void act();
      }}
      disabled={busy}
      data-testid={isActive(bot) ? "bot-stop" : "bot-start"}
    >
      {busy ? "…" : isActive(bot) ? "Stop" : "Start"}
    </button>
  );
}

/**
 * Pause keeps the bot's working orders (a stop resting on the exchange) and catches up on resume;
 * a paused bot shows Resume.
 */
function PauseResume({ bot }: { bot: BotView }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const paused = bot.status === "paused";
  if (!paused && bot.status === "stopped") return null;
  const act = async () => {
    setBusy(true);
    try {
      if (paused) {
        await trpcClient.bots.start.mutate({ id: bot.id });
        app.toast(`Resumed “${bot.name}”: it catches up on the candles it missed.`);
      } else {
        await trpcClient.bots.pause.mutate({ id: bot.id });
        app.toast(`Paused “${bot.name}”: no new orders; its working orders stay on the exchange.`);
      }
    } catch (e) {
      app.toast(errorMessage(e), true);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: trpc.bots.list.queryKey() });
      void qc.invalidateQueries({ queryKey: trpc.bots.get.queryKey({ id: bot.id }) });
    }
  };
  return (
    <button type="button" className={`btn ${paused ? "start" : ""}`} onClick={() => void act()} disabled={busy} data-testid={paused ? "bot-resume" : "bot-pause"} title={paused ? "Resume: catch up and act on the next candle" : "Pause: no new orders; working orders (its stop on the exchange) stay"}>
      {busy ? "…" : paused ? "Resume" : "Pause"}
    </button>
  );
}

/** A stopped bot can be deleted; its journal is offered as CSV first. */
function DeleteBot({ bot }: { bot: BotView }) {
  const qc = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (bot.status !== "stopped") return null;
  const exportCsv = async () => {
    try {
      const { fileName, csv } = await trpcClient.bots.journalCsv.query({ id: bot.id });
      downloadFile(fileName, new Blob([csv], { type: "text/csv" }));
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await trpcClient.bots.delete.mutate({ id: bot.id });
      app.toast(`Deleted “${bot.name}”.`);
      botsUi.setState({ selectedId: null });
    } catch (e) {
      app.toast(errorMessage(e), true);
    } finally {
      setBusy(false);
      setAsking(false);
      void qc.invalidateQueries({ queryKey: trpc.bots.list.queryKey() });
    }
  };
  if (!asking) {
    return (
      <button type="button" className="btn" onClick={() => setAsking(true)} data-testid="bot-delete">
        Delete…
      </button>
    );
  }
  return (
    <span className="delete-confirm" data-testid="bot-delete-confirm">
      <span>Its orders, fills and log go too.</span>
      <button type="button" className="btn small" onClick={() => void exportCsv()} data-testid="bot-export-journal">
        Download journal CSV
      </button>
      <button type="button" className="btn small danger" onClick={() => void remove()} disabled={busy} data-testid="bot-delete-yes">
        {busy ? "…" : "Delete bot"}
      </button>
      <button type="button" className="btn small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Sells a running live bot's position now (its runner does it at its next poll, journalled). */
function ClosePosition({ bot }: { bot: BotView }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  // A bot over several markets holds its positions per market (its own qty is 0, their value is not).
  const group = bot.position.qty === 0 && bot.position.value > 0;
  if (bot.mode !== "live" || !(group || bot.position.qty > bot.position.dust) || !isActive(bot) || bot.status === "paused") return null;
  const act = async () => {
    const what = group ? "every market's position" : `${qty(bot.position.qty)} ${baseOf(bot.market.symbol)}`;
    if (!window.confirm(`Sell ${what} now at the market price? The bot keeps running.`)) return;
    setBusy(true);
    try {
      await trpcClient.bots.close.mutate({ id: bot.id });
      app.toast(`Closing “${bot.name}”: a market sell goes out at its next poll.`);
    } catch (e) {
      app.toast(errorMessage(e), true);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: trpc.bots.get.queryKey({ id: bot.id }) });
    }
  };
  return (
    <button type="button" className="btn" onClick={() => void act()} disabled={busy} data-testid="bot-close-position" title="Market-sell this bot's own position now">
      {busy ? "…" : "Close position"}
    </button>
  );
}

/** A new live bot's start-small cap: its progress, and once complete the person's button to lift it. */
function ProbationBanner({ bot }: { bot: BotView }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const p = bot.probation;
  if (!p || p.liftedAt !== null) return null;
  const quote = quoteOf(bot.market.symbol);
  const r = p.results;
  const results = r.closedTrades === 0 ? "no closed trade yet" : `${r.closedTrades} closed trade${r.closedTrades === 1 ? "" : "s"}, ${r.wins} won, ${money(r.pnl)} ${quote} (${pct(r.returnPct)} of the budget)`;
  const lift = async () => {
    if (!window.confirm(`Lift the cap? “${bot.name}” will trade its full size from its next entry.`)) return;
    setBusy(true);
    try {
      await trpcClient.bots.liftCap.mutate({ id: bot.id });
      app.toast(`“${bot.name}” trades its full size from its next entry.`);
    } catch (e) {
      app.toast(errorMessage(e), true);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: trpc.bots.get.queryKey({ id: bot.id }) });
      void qc.invalidateQueries({ queryKey: trpc.bots.list.queryKey() });
    }
  };
  return (
    <div className={p.ready ? "info-banner ready" : "info-banner"} data-testid="bot-probation" data-ready={String(p.ready)}>
      <b>{p.ready ? "Probation complete." : "Starting small."}</b> Entries are capped at {Math.round(p.fraction * 100)} % of the budget ({money(p.cap)} {quote})
      {p.ready ? "" : ` until ${p.trades} closed trades or ${dateTime(p.until)} UTC`}. Live so far: {results}.
      {p.ready && (
        <button type="button" className="btn start small" onClick={() => void lift()} disabled={busy} data-testid="bot-lift-cap">
          {busy ? "…" : "Lift cap"}
        </button>
      )}
    </div>
  );
}

function BotRow({ bot, selected }: { bot: BotView; selected: boolean }) {
  return (
    <tr className={selected ? "active" : ""} onClick={() => botsUi.setState({ selectedId: bot.id })} data-testid="bot-row" data-bot-id={bot.id} data-status={bot.status}>
      <td>
        <div className="bot-name">{bot.name}</div>
        <div className="bot-sub">
          {bot.market.exchange} · {bot.market.symbol} · {bot.market.timeframe}
          {bot.keyLabel ? ` · key ${bot.keyLabel}` : ""}
        </div>
      </td>
      <td>
        <ModeBadge mode={bot.mode} testnet={bot.testnet} />
      </td>
      <td>
        <StatusBadge bot={bot} />
      </td>
      <td data-testid="bot-position">{positionText(bot)}</td>
      <td className={signClass(bot.pnl.total)} data-testid="bot-pnl">
        {money(bot.pnl.total)} <span className="dim">{pct(bot.pnl.returnPct)}</span>
      </td>
      <td data-testid="bot-last-candle">{lastCandleText(bot)}</td>
      <td>
        <StartStop bot={bot} small />
      </td>
    </tr>
  );
}

function EmptyBots({ onDeploy }: { onDeploy: () => void }) {
  return (
    <div className="page-empty" data-testid="bots-empty">
      <svg width="40" height="40" viewBox="0 0 48 48" fill="none">
        <rect x="8" y="14" width="32" height="24" rx="6" stroke="#2c3545" strokeWidth="2.5" />
        <circle cx="18" cy="26" r="3" fill="#3d8bfd" />
        <circle cx="30" cy="26" r="3" fill="#3d8bfd" />
        <path d="M24 14V8" stroke="#2c3545" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <h3>No bots yet</h3>
      <p>Deploy a strategy from the editor: it runs on live candles with the same evaluator as the backtest. Start in paper mode — it needs no key and risks no money.</p>
      <div style={{ display: "flex", gap: 8, justifyContent: "center" }}>
        <button type="button" className="btn" onClick={() => app.set({ view: "editor" })}>
          Open the editor
        </button>
        <button type="button" className="btn primary" onClick={onDeploy} data-testid="bots-empty-deploy">
          Deploy the current strategy…
        </button>
      </div>
    </div>
  );
}

/** How the bot learnt of each order's fills: by the exchange's stream, by a poll, or both. */
function fillChannels(fills: BotDetail["fills"]): Map<string, string> {
  const out = new Map<string, Set<string>>();
  for (const f of fills) {
    const set = out.get(f.clientOrderId) ?? new Set<string>();
    set.add(f.channel);
    out.set(f.clientOrderId, set);
  }
  return new Map([...out].map(([cid, set]) => [cid, [...set].sort().join(" + ")]));
}

/** A bot's journal; a bot over several markets (`group`) names each order's market (the order's own `symbol`). */
function OrdersTable({ orders, symbol, group, via }: { orders: BotOrder[]; symbol: string; group: boolean; via: Map<string, string> }) {
  if (orders.length === 0) return <div className="empty-note">No orders yet. The bot sends one when the flow's entry or exit fires on a closed candle.</div>;
  return (
    <table className="trades orders" data-testid="orders-table">
      <thead>
        <tr>
          <th>Candle</th>
          {group && <th>Market</th>}
          <th>Intent</th>
          <th>Side</th>
          <th>Amount</th>
          <th>Price</th>
          <th>Status</th>
          <th title="How the bot heard of the fill: the exchange's websocket stream, or a REST poll">Fill via</th>
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => (
          <tr key={o.id} title={o.message ?? o.clientOrderId} data-testid="order-row" data-status={o.status} data-side={o.side} data-bar={o.barTime}>
            <td>{dateTime(o.barTime)}</td>
            {group && <td data-testid="order-market">{o.symbol || symbol}</td>}
            <td>
              {group && o.symbol && o.intent.startsWith(`${o.symbol} `) ? o.intent.slice(o.symbol.length + 1) : o.intent}
              {o.type === "limit" && <span className="reason"> limit</span>}
              {o.replaces !== null && <AmendNote order={o} />}
            </td>
            <td className={o.side === "buy" ? "pos" : "neg"}>{o.side}</td>
            <td>
              {qty(o.filledQty > 0 ? o.filledQty : o.amount)} {baseOf(o.symbol || symbol)}
            </td>
            <td>{o.avgPrice !== null ? price(o.avgPrice) : o.price !== null ? price(o.price) : "market"}</td>
            <td>
              <span className={`ostatus ${o.status}`}>{o.status.replace("_", " ")}</span>
            </td>
            <td data-testid="order-fill-channel">{via.get(o.clientOrderId) ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An amendment: moved in place (one request), or cancelled and placed again with the time no order was working. */
function AmendNote({ order }: { order: BotOrder }) {
  const edit = order.amendMode === "edit";
  const text = edit ? "amended in place" : order.gapMs !== null ? `replaced · ${order.gapMs} ms gap` : "replaced";
  const title = edit
    ? "Moved on the exchange in one request: an order was working at every moment."
    : "This exchange cannot amend the order: it was cancelled and placed again. The gap is the time between the cancel's and the new order's confirmations.";
  return (
    <span className="reason" title={title} data-testid="order-amend" data-mode={order.amendMode ?? ""} data-gap={order.gapMs ?? ""}>
      {" "}
      {text}
    </span>
  );
}

function EventLog({ events }: { events: BotEvent[] }) {
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  return (
    <div
      className="event-log scroll"
      ref={box}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
      data-testid="event-log"
    >
      {events.length === 0 && <div className="empty-note">Nothing logged yet.</div>}
      {events.map((e) => (
        <div key={e.id} className={`log-line ${e.level}`} data-testid="log-line" data-level={e.level}>
          <time title={dateTime(e.time)}>{timeOfDay(e.time)}</time>
          <span>{e.message}</span>
        </div>
      ))}
    </div>
  );
}

function Stat({ k, v, s, cls, testId }: { k: string; v: string; s?: string; cls?: string; testId?: string }) {
  return (
    <div className="kpi">
      <div className="k">{k}</div>
      <div className={`v ${cls ?? ""}`} data-testid={testId}>
        {v}
      </div>
      {s && <div className="s">{s}</div>}
    </div>
  );
}

function deliveryText(bot: BotView): string {
  const d = bot.delivery;
  if (!d) return "—";
  return d.candles === "stream" && (d.orders ?? "stream") === "stream" ? "stream" : d.candles === "poll" && (d.orders ?? "poll") === "poll" ? "polling" : "stream + polling";
}

function deliveryNote(bot: BotView): string {
  const d = bot.delivery;
  if (!d) return "while it runs";
  const orders = d.orders === null ? "" : ` · orders by ${d.orders}`;
  return `candles by ${d.candles}${orders} · ${d.requestsPerMinute} requests/min`;
}

function Detail({ bot, detail }: { bot: BotView; detail: BotDetail | undefined }) {
  const quote = quoteOf(bot.market.symbol);
  const stream = useBotsUi((s) => s.stream);
  return (
    <section className="bot-detail" data-testid="bot-detail" data-bot-id={bot.id}>
      <div className="results-head">
        <h2>{bot.name}</h2>
        <ModeBadge mode={bot.mode} testnet={bot.testnet} />
        <StatusBadge bot={bot} />
        <span>
          {bot.market.exchange} · {bot.market.symbol} · {bot.market.timeframe}
        </span>
        {bot.keyLabel && <span>key {bot.keyLabel}</span>}
        <span className="spacer" />
        <DevDetail>
          <span className="hash" title="Hash of the compiled strategy this bot runs">
            spec {bot.specHash.slice(0, 12)}
          </span>
        </DevDetail>
        <DetailsToggle testId="bot-details-toggle" />
        <button
          type="button"
          className="btn"
          disabled={!detail}
          onClick={() => detail && void backtestBotMarket(detail.flow)}
          title="Run this bot's flow on its exchange, symbol and timeframe up to now (missing candles are downloaded first)"
          data-testid="bot-backtest-market"
        >
          Backtest this bot's market
        </button>
        <ClosePosition bot={bot} />
        <DeleteBot bot={bot} />
        <PauseResume bot={bot} />
        <StartStop bot={bot} />
      </div>
      {bot.state === "degraded" && bot.stateReason && (
        <div className="error-banner" data-testid="bot-degraded">
          <b>Degraded.</b> {bot.stateReason}
        </div>
      )}
      <ProbationBanner bot={bot} />
      {bot.status === "halted" && bot.haltReason && (
        <div className="error-banner" data-testid="bot-halt">
          <b>Halted.</b> {bot.haltReason}
          {bot.haltedUntil ? ` Resumes ${dateTime(bot.haltedUntil)} UTC.` : ""}
        </div>
      )}
      <div className="kpis bot-kpis">
        <Stat k="Equity" v={money(bot.equity)} s={`${quote} · started with ${money(bot.initialCash)}`} />
        <Stat k="P&L" v={money(bot.pnl.total)} s={`${pct(bot.pnl.returnPct)} · fees ${money(bot.pnl.fees)}`} cls={signClass(bot.pnl.total)} testId="detail-pnl" />
        <Stat k="Position" v={positionText(bot)} s={bot.position.qty > 0 ? `worth ${money(bot.position.value)} ${quote} · unrealized ${money(bot.pnl.unrealized)}` : `cash ${money(bot.cash)} ${quote}`} testId="detail-position" />
        <Stat k="Last candle" v={lastCandleText(bot)} s={bot.state === "running" ? `next ${bot.market.timeframe} candle after it closes` : (bot.stateReason ?? STATE_HINT[bot.state])} testId="detail-last-candle" />
        <Stat k="Orders" v={String(detail?.orders.length ?? "—")} s={`${detail?.trades.length ?? 0} round trips`} />
        <Stat k="Delivery" v={deliveryText(bot)} s={deliveryNote(bot)} testId="detail-delivery" />
      </div>
      {detail && detail.recentCandles.length > 0 && (
        <div className="delivery-line" data-testid="recent-candles" title="The candles the bot acted on last, and whether the exchange's stream or a REST poll delivered each">
          Last candles:
          {detail.recentCandles.map((c) => (
            <span key={c.time} className={`via ${c.channel}`} data-channel={c.channel}>
              {timeOfDay(c.time, false)} {c.channel}
            </span>
          ))}
        </div>
      )}
      {detail?.markets && <GroupMarkets markets={detail.markets} />}
      {/* The drift report replays one market; a bot over several has none yet. */}
      {!detail?.markets && <DriftPanel bot={bot} />}
      <div className="bot-panes">
        <div className="bot-pane">
          <div className="side-head">Orders (journal)</div>
          <div className="scroll">{detail ? <OrdersTable orders={detail.orders} symbol={bot.market.symbol} group={detail.markets !== null} via={fillChannels(detail.fills)} /> : <div className="empty-note">Loading…</div>}</div>
        </div>
        <div className="bot-pane">
          <div className="side-head">
            Event log
            <span className={`stream ${stream}`} data-testid="stream-state" data-state={stream} title={stream === "live" ? "Updates arrive as they happen" : stream === "error" ? "Live updates interrupted; reconnecting" : "Connecting"}>
              <i />
              {stream === "live" ? "live" : stream === "error" ? "reconnecting" : "connecting"}
            </span>
          </div>
          {detail ? <EventLog events={detail.events} /> : <div className="empty-note">Loading…</div>}
        </div>
      </div>
    </section>
  );
}

export function BotsPage() {
  const bots = useBots();
  const selectedId = useBotsUi((s) => s.selectedId);
  const kill = useBotsUi((s) => s.kill);
  const list = bots.data ?? [];
  const selected = list.find((b) => b.id === selectedId) ?? list[0] ?? null;
  const detail = useBot(selected?.id ?? null);
  const running = list.filter(isActive).length;
  const openDeploy = () => botsUi.setState({ deployOpen: true });

  useEffect(() => {
    if (selected && selected.id !== selectedId) botsUi.setState({ selectedId: selected.id });
  }, [selected, selectedId]);

  return (
    <div className="page" data-testid="bots-page">
      <div className="page-main bots-main">
        <div className="page-head">
          <div>
            <h2>Bots</h2>
            <p>
              {list.length === 0 ? "Strategies trading on live candles." : `${running} of ${list.length} running · updated ${bots.dataUpdatedAt ? ago(bots.dataUpdatedAt) : "—"}`}
            </p>
          </div>
          <span className="spacer" />
          <button type="button" className="btn primary" onClick={openDeploy} data-testid="deploy-open">
            Deploy…
          </button>
          <KillSwitch where="page" />
        </div>
        {kill && (
          <div className="kill-result" data-testid="kill-result">
            <b>{killSummary(kill.result, kill.result.closedPositions > 0)}</b> <span className="dim">{dateTime(kill.at)} UTC</span>
            {kill.result.errors.map((e) => (
              <div key={e} className="neg">
                {e}
              </div>
            ))}
            <button type="button" className="btn ghost small" onClick={() => botsUi.setState({ kill: null })}>
              Dismiss
            </button>
          </div>
        )}
        {bots.isError && <div className="error-banner">{errorMessage(bots.error)}</div>}
        {bots.isPending && <div className="empty-note">Loading…</div>}
        {bots.isSuccess && list.length === 0 && <EmptyBots onDeploy={openDeploy} />}
        {list.length > 0 && (
          <>
            <div className="bot-list scroll">
              <table className="trades bots-table" data-testid="bots-table">
                <thead>
                  <tr>
                    <th>Bot</th>
                    <th>Mode</th>
                    <th>Status</th>
                    <th>Position</th>
                    <th>P&L</th>
                    <th>Last candle</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((b) => (
                    <BotRow key={b.id} bot={b} selected={b.id === selected?.id} />
                  ))}
                </tbody>
              </table>
            </div>
            {selected && <Detail bot={selected} detail={detail.data} />}
          </>
        )}
      </div>
    </div>
  );
}
