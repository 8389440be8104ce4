import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Modal } from "../ui/Modal";
import { errorMessage } from "../lib/errors";
import { ago, count, date } from "../ui/format";
import { trpc, trpcClient } from "../lib/trpc";
import type { KeyPermissions, KeyView } from "./types";
import { RotateKeyModal } from "./RotateKeyModal";

type Perm = KeyPermissions["canRead"];
type Source = NonNullable<KeyPermissions["sources"]>["canRead"];

const SOURCE_WORDS: Record<Source, string> = {
  reported: "reported by the exchange",
  inferred: "inferred from a signed call that succeeded",
  unknown: "the exchange cannot say",
};

/** One permission as a badge that reads on its own: "No withdrawal" in green is the safe answer. */
function PermBadge({
  id,
  words,
  value,
  source,
  goodWhen,
  badTone,
}: {
  id: string;
  words: [yes: string, no: string, unknown: string];
  value: Perm | undefined;
  source: Source | undefined;
  goodWhen: boolean;
  badTone: "warn" | "error";
}) {
  const state = value === undefined || value === "unknown" ? "unknown" : value ? "yes" : "no";
  const tone = state === "unknown" ? "unknown" : value === goodWhen ? "ok" : badTone;
  const mark = tone === "unknown" ? "?" : tone === "ok" ? "✓" : badTone === "error" ? "✕" : "!";
  const text = state === "yes" ? words[0] : state === "no" ? words[1] : words[2];
  return (
    <span className={`perm ${tone}`} title={source ? `${text}: ${SOURCE_WORDS[source]}` : state === "unknown" ? `${text}: ${SOURCE_WORDS.unknown}` : text} data-testid={`perm-${id}`} data-state={state} data-source={source ?? ""}>
      <i>{mark}</i>
      {text}
    </span>
  );
}

export function PermissionBadges({ permissions }: { permissions: KeyPermissions | null }) {
  return (
    <div className="perms" data-testid="key-permissions">
      <PermBadge id="read" words={["Read", "Cannot read", "Read unknown"]} value={permissions?.canRead} source={permissions?.sources?.canRead} goodWhen={true} badTone="error" />
      <PermBadge id="trade" words={["Trade", "Cannot trade", "Trade unknown"]} value={permissions?.canTrade} source={permissions?.sources?.canTrade} goodWhen={true} badTone="warn" />
      <PermBadge
        id="withdraw"
        words={["Withdrawal enabled", "No withdrawal", "Withdrawal unknown"]}
        value={permissions?.canWithdraw}
        source={permissions?.sources?.canWithdraw}
        goodWhen={false}
        badTone="error"
      />
      <PermBadge id="ip" words={["IP whitelist", "No IP whitelist", "IP whitelist unknown"]} value={permissions?.ipRestricted} source={permissions?.sources?.ipRestricted} goodWhen={true} badTone="warn" />
    </div>
  );
}

/** A short name for a warning, shown as a chip; the full text sits below. */
function warningTag(w: string): string {
  if (/IP whitelist/i.test(w)) return "No IP whitelist";
  if (/cannot trade/i.test(w)) return "Paper only";
  if (/withdraw/i.test(w)) return "Withdrawal unchecked";
  if (/could not check whether this key can trade/i.test(w)) return "Trading unchecked";
  if (/does not report/i.test(w)) return "Permissions unknown";
  return "Warning";
}

function ProbeLine({ k }: { k: KeyView }) {
  if (k.probe.status === "ok") {
    return (
      <span className={k.liveAllowed ? "pos" : "muted"} data-testid="key-probe" data-status="ok">
        {k.liveAllowed ? "Checked · may trade live" : "Checked · paper only"}
        <span className="dim"> · {ago(k.probe.at)}</span>
      </span>
    );
  }
  return (
    <span className="neg" data-testid="key-probe" data-status={k.probe.status}>
      {k.probe.status === "refused" ? "Refused by Keyflow" : "Check failed"}
      <span className="dim"> · {ago(k.probe.at)}</span>
    </span>
  );
}

export function KeyCard({ k, fresh }: { k: KeyView; fresh?: boolean }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState<null | "probe" | "remove" | "confirm">(null);
  const [error, setError] = useState<string | null>(null);
  const [rotating, setRotating] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const liveUsers = k.usedBy.filter((b) => b.mode === "live" && b.status !== "stopped");

  const update = (next: KeyView) => qc.setQueryData(trpc.keys.list.queryKey(), (list) => list?.map((x) => (x.id === next.id ? next : x)));

  /** Asks the server something that returns the key's new view (check again, confirm no withdrawals). */
  const refresh = async (what: "probe" | "confirm", call: (id: string) => Promise<KeyView>) => {
    setBusy(what);
    setError(null);
    try {
      update(await call(k.id));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const probe = () => refresh("probe", (id) => trpcClient.keys.probe.mutate({ id }));
  const confirmNoWithdraw = () => refresh("confirm", (id) => trpcClient.keys.confirmNoWithdraw.mutate({ id }));

  const remove = async () => {
    setConfirmRemove(false);
    setBusy("remove");
    setError(null);
    try {
      await trpcClient.keys.remove.mutate({ id: k.id });
      qc.setQueryData(trpc.keys.list.queryKey(), (list) => list?.filter((x) => x.id !== k.id));
      void qc.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
    } catch (e) {
      // e.g. a live bot still uses the key: the server says which and what to do.
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <article className={`key-card${fresh ? " fresh" : ""}`} data-testid="key-card" data-key-id={k.id} data-label={k.label}>
      <header className="key-head">
        <div className="key-title">
          <h3>{k.label}</h3>
          <span className="chip">{k.exchange}</span>
          {k.testnet && (
            <span className="chip warn" data-testid="key-testnet">
              testnet
            </span>
          )}
          <code className="masked" title="Masked API key id">
            {k.maskedKey}
          </code>
        </div>
        <div className="key-actions">
          <button type="button" className="btn small" onClick={() => void probe()} disabled={busy !== null} title="Ask the exchange again what this key may do" data-testid="key-probe-button">
            {busy === "probe" ? "Checking…" : "Check again"}
          </button>
          <button type="button" className="btn small" onClick={() => setRotating(true)} disabled={busy !== null} data-testid="key-rotate-button">
            Rotate…
          </button>
          <button type="button" className="btn small danger" onClick={() => setConfirmRemove(true)} disabled={busy !== null} data-testid="key-remove-button">
            {busy === "remove" ? "Removing…" : "Remove"}
          </button>
        </div>
      </header>
      <div className="key-body">
        <PermissionBadges permissions={k.permissions} />
        {k.warnings.map((w) => (
          <div className="warn-box" key={w} data-testid="key-warning">
            <b>⚠ {warningTag(w)}</b> {w}
          </div>
        ))}
        {k.needsWithdrawConfirmation && (
          <label className="warn-box" data-testid="key-confirm-no-withdraw">
            <input type="checkbox" checked={false} disabled={busy !== null} onChange={() => void confirmNoWithdraw()} data-testid="key-confirm-no-withdraw-checkbox" />{" "}
            I have disabled withdrawals for this key on {k.exchange} (needed for live bots)
          </label>
        )}
        {k.withdrawOffConfirmedAt !== null && (
          <span className="muted" data-testid="key-withdraw-confirmed">
            Withdrawals confirmed off by you {ago(k.withdrawOffConfirmedAt)}
          </span>
        )}
        {k.probe.status !== "ok" && k.probe.message && (
          <div className="error-box" data-testid="key-probe-message">
            {k.probe.message}
          </div>
        )}
        {error && (
          <div className="error-box" role="alert" data-testid="key-error">
            {error}
          </div>
        )}
      </div>
      <footer className="key-meta">
        <ProbeLine k={k} />
        <span>Created {date(k.createdAt)}</span>
        <span data-testid="key-last-used">Last used {k.lastUsedAt ? ago(k.lastUsedAt) : "never"}</span>
        {k.rotatedAt && <span>Rotated {ago(k.rotatedAt)}</span>}
        {k.usedBy.length > 0 && (
          <span title={k.usedBy.map((b) => `${b.name} (${b.mode}, ${b.status})`).join("\n")}>
            Used by {count(k.usedBy.length, "bot")}
            {liveUsers.length > 0 && <b className="neg"> · {liveUsers.length} live</b>}
          </span>
        )}
      </footer>
      {rotating && <RotateKeyModal k={k} onClose={() => setRotating(false)} onRotated={update} />}
      {confirmRemove && (
        <Modal
          title={`Remove “${k.label}”?`}
          size="narrow"
          onClose={() => setConfirmRemove(false)}
          testId="key-remove-dialog"
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirmRemove(false)}>
                Cancel
              </button>
              <button type="button" className="btn danger" onClick={() => void remove()} data-testid="key-remove-confirm" autoFocus>
                Remove key
              </button>
            </>
          }
        >
          <p style={{ margin: 0 }}>
            The encrypted credentials are wiped from this server. Paper bots that reference the key keep running; a live bot using it must be stopped first.
            {liveUsers.length > 0 && (
              <>
                {" "}
                <b className="neg">
                  Live bot{liveUsers.length > 1 ? "s" : ""} using it now: {liveUsers.map((b) => b.name).join(", ")}.
                </b>
              </>
            )}
          </p>
        </Modal>
      )}
    </article>
  );
}
