import { useState } from "react";
import { NAME_MAX, type Verification } from "@keyflow/core";
import { useQuery } from "@tanstack/react-query";
import { Modal } from "../ui/Modal";
import { app } from "../app/appStore";
import { deleteStrategy, duplicateStrategy, newStrategy, openStrategy, renameStrategy, strategiesQuery } from "../app/session";
import { useEditor } from "../editor/store";
import { ago } from "../ui/format";
import { errorMessage } from "../lib/errors";
import { VerificationBadge } from "../results/VerificationBadge";

function Row({ id, name, updatedAt, market, current, verification }: { id: string; name: string; updatedAt: number; market: string; current: boolean; verification: Verification | null }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(name);
  const commit = () => {
    setEditing(false);
    const t = text.trim();
    if (t && t !== name) void renameStrategy(id, t);
    else setText(name);
  };
  return (
    <div className={`srow${current ? " current" : ""}`} data-testid="strategy-row" data-name={name}>
      <div>
        {editing ? (
          <input
            className="input"
            autoFocus
            value={text}
            maxLength={NAME_MAX}
            onChange={(e) => setText(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => {
              if (e.key === "Enter") commit();
              if (e.key === "Escape") {
                setText(name);
                setEditing(false);
              }
            }}
            data-testid="strategy-rename-input"
          />
        ) : (
          <div className="sname" onClick={() => void openStrategy(id)} data-testid="strategy-open">
            {name}
          </div>
        )}
        <div className="smeta">
          {market} · edited {ago(updatedAt)}
          {current && " · open"}
          {verification && (
            <>
              {" · imported result "}
              <VerificationBadge verification={verification} compact />
            </>
          )}
        </div>
      </div>
      <div className="sactions">
        <button type="button" className="btn small ghost" onClick={() => void openStrategy(id)} disabled={current}>
          Open
        </button>
        <button type="button" className="btn small ghost" onClick={() => setEditing(true)} data-testid="strategy-rename">
          Rename
        </button>
        <button type="button" className="btn small ghost" onClick={() => void duplicateStrategy(id)} data-testid="strategy-duplicate">
          Duplicate
        </button>
        <button type="button" className="btn small ghost danger" onClick={() => void deleteStrategy(id, name)} data-testid="strategy-delete">
          Delete
        </button>
      </div>
    </div>
  );
}

export function StrategiesModal() {
  const currentId = useEditor((s) => s.strategyId);
  const q = useQuery(strategiesQuery());
  const close = () => app.set({ modal: null });
  const list = [...(q.data ?? [])].sort((a, b) => b.updatedAt - a.updatedAt);
  return (
    <Modal
      title="Strategies"
      subtitle="Everything you build is saved on this Keyflow server."
      onClose={close}
      testId="strategies-modal"
      footer={
        <>
          <button type="button" className="btn" onClick={() => app.set({ modal: "templates" })}>
            From a template…
          </button>
          <button type="button" className="btn primary" onClick={() => void newStrategy()} data-testid="strategy-new">
            + New empty strategy
          </button>
        </>
      }
    >
      {q.isPending && <div className="empty-note">Loading…</div>}
      {q.isError && <div className="error-box">{errorMessage(q.error)}</div>}
      {q.isSuccess && list.length === 0 && (
        <div className="empty-note">
          No strategies yet. Start with <b>New empty strategy</b>, or pick a template to see a working example.
        </div>
      )}
      <div className="slist">
        {list.map((s) => (
          <Row
            key={s.id}
            id={s.id}
            name={s.name}
            updatedAt={s.updatedAt}
            market={s.market ? `${s.market.symbol} ${s.market.timeframe}` : "—"}
            current={s.id === currentId}
            verification={s.verification}
          />
        ))}
      </div>
    </Modal>
  );
}
