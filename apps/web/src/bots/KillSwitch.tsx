import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Modal } from "../ui/Modal";
import { app } from "../app/appStore";
import { errorMessage } from "../lib/errors";
import { count } from "../ui/format";
import { trpc, trpcClient } from "../lib/trpc";
import { botsUi, isActive, useBots } from "./live";
import { ModeBadge } from "./badges";

export function killSummary(r: { stopped: number; cancelledOrders: number; closedPositions?: number; openPositions?: string[]; errors: string[] }, closed = false): string {
  const sold = closed ? `${count(r.closedPositions ?? 0, "live position")} sold, ` : "";
  const open = r.openPositions?.length ? ` Still open: ${r.openPositions.join("; ")}.` : "";
  return `Kill switch${closed ? " with close" : ""}: ${sold}${count(r.stopped, "bot")} stopped, ${count(r.cancelledOrders, "open order")} cancelled${r.errors.length ? `; ${count(r.errors.length, "problem")}` : ""}.${open}`;
}

function Icon() {
  return (
    <svg width="13" height="13" viewBox="0 0 16 16" fill="none" aria-hidden>
      <path d="M8 1.5v6" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      <path d="M4.4 3.9a5.5 5.5 0 107.2 0" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

/**
 * The global kill switch: stops every bot and cancels their open orders, after one confirmation.
 * `where="topbar"` renders only while some bot is active.
 */
export function KillSwitch({ where }: { where: "page" | "topbar" }) {
  const qc = useQueryClient();
  const bots = useBots();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const active = (bots.data ?? []).filter(isActive);
  const live = active.filter((b) => b.mode === "live");
  if (where === "topbar" && active.length === 0) return null;

  const fire = async (close: boolean) => {
    setBusy(true);
    try {
      const result = await trpcClient.bots.stopAll.mutate({ close });
      botsUi.setState({ kill: { at: Date.now(), result } });
      app.toast(killSummary(result, close), result.errors.length > 0 || result.openPositions.length > 0);
      setAsking(false);
    } catch (e) {
      app.toast(`The kill switch failed: ${errorMessage(e)} Try again, or run \`keyflow bots stop --all\` on the server.`, true);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: trpc.bots.list.queryKey() });
      void qc.invalidateQueries({ queryKey: trpc.bots.get.pathKey() });
    }
  };

  return (
    <>
      <button
        type="button"
        className={`btn kill${where === "topbar" ? " small-kill" : ""}`}
        onClick={() => setAsking(true)}
        title="Kill switch: stop every bot and cancel all their open orders"
        data-testid={where === "topbar" ? "kill-switch-topbar" : "kill-switch"}
      >
        <Icon />
        <span className="kill-label">KILL SWITCH</span>
        {where === "topbar" && (
          <span className="kill-count" title={`${count(active.length, "bot")} running${live.length > 0 ? `, ${live.length} live` : ""}`} data-running={active.length} data-live={live.length}>
            {active.length}
            {live.length > 0 && <b>· {live.length} live</b>}
          </span>
        )}
      </button>
      {asking && (
        <Modal
          title="Stop every bot now?"
          size="narrow"
          onClose={() => !busy && setAsking(false)}
          testId="kill-dialog"
          footer={
            <>
              <button type="button" className="btn" onClick={() => setAsking(false)} disabled={busy}>
                Cancel
              </button>
              {live.some((b) => b.position.qty > 0 || b.position.value > 0) && (
                <button type="button" className="btn kill" onClick={() => void fire(true)} disabled={busy} data-testid="kill-confirm-close" title="Sells every live bot's position first (market orders), then stops every bot">
                  {busy ? "Stopping…" : "Stop and close positions"}
                </button>
              )}
              <button type="button" className="btn kill" onClick={() => void fire(false)} disabled={busy} data-testid="kill-confirm" autoFocus>
                {busy ? "Stopping…" : "Stop all bots"}
              </button>
            </>
          }
        >
          <p style={{ marginTop: 0 }}>
            {active.length === 0
              ? "No bot is running. The kill switch still cancels any open order a stopped bot left on an exchange."
              : `Stops ${count(active.length, "bot")}${live.length ? ` (${live.length} live)` : ""} and cancels all their open orders on the exchanges.`}{" "}
            {live.some((b) => b.position.qty > 0 || b.position.value > 0) ? "“Stop all bots” leaves positions as they are; “Stop and close positions” sells every live position first." : "Positions stay as they are."}
          </p>
          {active.length > 0 && (
            <ul className="kill-list">
              {active.map((b) => (
                <li key={b.id}>
                  <ModeBadge mode={b.mode} testnet={b.testnet} /> {b.name}
                </li>
              ))}
            </ul>
          )}
        </Modal>
      )}
    </>
  );
}
