import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { app } from "../app/appStore";
import { errorMessage } from "../lib/errors";
import { count } from "../ui/format";
import { trpc } from "../lib/trpc";
import { AddKeyForm } from "./AddKeyForm";
import { KeyCard } from "./KeyCard";

export function useKeys() {
  return useQuery(trpc.keys.list.queryOptions());
}

function EmptyKeys() {
  return (
    <div className="page-empty" data-testid="keys-empty">
      <svg width="40" height="40" viewBox="0 0 48 48" fill="none">
        <circle cx="17" cy="24" r="9" stroke="#2c3545" strokeWidth="2.5" />
        <path d="M26 24h17M37 24v7M43 24v5" stroke="#3d8bfd" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <h3>No exchange keys yet</h3>
      <p>
        Paper bots need no key; add a key to trade live. Keys are checked with the exchange and stored encrypted on this server.
      </p>
      <button type="button" className="btn" onClick={() => app.set({ view: "bots" })}>
        Go to bots
      </button>
    </div>
  );
}

export function KeysPage() {
  const q = useKeys();
  const [fresh, setFresh] = useState<string | null>(null);
  const keys = [...(q.data ?? [])].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <div className="page" data-testid="keys-page">
      <div className="page-main">
        <div className="page-head">
          <div>
            <h2>Exchange keys</h2>
            <p>What each key may do, as its exchange reported it. Secrets are encrypted at rest and never shown again.</p>
          </div>
          <span className="spacer" />
          <span className="muted">{q.isSuccess ? count(keys.length, "key") : ""}</span>
        </div>
        <div className="page-scroll">
          {q.isPending && <div className="empty-note">Loading…</div>}
          {q.isError && <div className="error-banner">{errorMessage(q.error)}</div>}
          {q.isSuccess && keys.length === 0 && <EmptyKeys />}
          <div className="key-list" data-testid="key-list">
            {keys.map((k) => (
              <KeyCard key={k.id} k={k} fresh={k.id === fresh} />
            ))}
          </div>
        </div>
      </div>
      <aside className="page-side">
        <div className="side-head">Add a key</div>
        <div className="scroll">
          <AddKeyForm onAdded={(k) => setFresh(k.id)} />
        </div>
      </aside>
    </div>
  );
}
