import { useRef, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { errorMessage } from "../lib/errors";
import { trpc, trpcClient, type RouterOutputs } from "../lib/trpc";
import { ago, count } from "../ui/format";

type Channel = RouterOutputs["alerts"]["list"][number];

const KIND_WORDS: Record<Channel["kind"], string> = { webhook: "Webhook", telegram: "Telegram" };

function ChannelCard({ c }: { c: Channel }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState<null | "test" | "remove">(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const list = trpc.alerts.list.queryKey();
  const test = async () => {
    setBusy("test");
    setError(null);
    try {
      const next = await trpcClient.alerts.test.mutate({ id: c.id });
      qc.setQueryData(list, (xs) => xs?.map((x) => (x.id === next.id ? next : x)));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const remove = async () => {
    setBusy("remove");
    setError(null);
    try {
      await trpcClient.alerts.remove.mutate({ id: c.id });
      qc.setQueryData(list, (xs) => xs?.filter((x) => x.id !== c.id));
    } catch (e) {
      setError(errorMessage(e));
      setBusy(null);
    }
  };
  const ok = c.lastError === null;
  return (
    <article className="key-card" data-testid="alert-channel" data-kind={c.kind} data-label={c.label}>
      <header className="key-head">
        <div className="key-title">
          <h3>{c.label}</h3>
          <span className="chip">{KIND_WORDS[c.kind]}</span>
          <span className="masked">{c.target}</span>
        </div>
        <div className="key-actions">
          <button type="button" className="btn small" onClick={() => void test()} disabled={busy !== null} data-testid="alert-test">
            {busy === "test" ? "Sending…" : "Send test alert"}
          </button>
          {confirm ? (
            <>
              <button type="button" className="btn small danger" onClick={() => void remove()} disabled={busy !== null} data-testid="alert-remove-yes">
                Remove
              </button>
              <button type="button" className="btn small" onClick={() => setConfirm(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="btn small" onClick={() => setConfirm(true)} disabled={busy !== null} data-testid="alert-remove">
              Remove…
            </button>
          )}
        </div>
      </header>
      <div className="alert-status" data-testid="alert-status" data-ok={String(ok)}>
        {c.lastError !== null ? (
          <span className="neg">{c.lastError}</span>
        ) : c.lastSentAt !== null ? (
          <span className="pos">✓ Delivered {ago(c.lastSentAt)}</span>
        ) : (
          <span className="muted">Nothing sent yet — send a test alert to check it.</span>
        )}
      </div>
      {error && <div className="error-box">{error}</div>}
    </article>
  );
}

/** Adds a webhook or a Telegram chat; the secret and the bot token are emptied from the form on submit. */
function AddChannelForm() {
  const qc = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [kind, setKind] = useState<Channel["kind"]>("webhook");
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const data = new FormData(form.current!);
    const field = (name: string) => String(data.get(name) ?? "");
    // Secrets leave the page's inputs at once, whatever the answer.
    for (const name of ["secret", "token"]) {
      const input = form.current!.elements.namedItem(name);
      if (input instanceof HTMLInputElement) input.value = "";
    }
    setBusy(true);
    setError(null);
    try {
      const extra = label.trim() ? { label: label.trim() } : {};
      const added = kind === "webhook" ? await trpcClient.alerts.addWebhook.mutate({ ...extra, url: field("url"), secret: field("secret") }) : await trpcClient.alerts.addTelegram.mutate({ ...extra, token: field("token"), chatId: field("chatId") });
      qc.setQueryData(trpc.alerts.list.queryKey(), (xs) => (xs ? [added, ...xs] : [added]));
      setLabel("");
      form.current!.reset();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form ref={form} className="form key-form" onSubmit={(e) => void submit(e)} autoComplete="off" data-testid="add-alert-form">
      <div className="field">
        <label htmlFor="alert-kind">Send alerts to</label>
        <select id="alert-kind" className="select" value={kind} onChange={(e) => setKind(e.target.value as Channel["kind"])} disabled={busy} data-testid="alert-kind">
          <option value="webhook">A webhook (JSON POST, signed)</option>
          <option value="telegram">A Telegram chat</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="alert-label">Name (optional)</label>
        <input id="alert-label" className="input" value={label} onChange={(e) => setLabel(e.target.value)} placeholder={kind === "webhook" ? "ops pager" : "my phone"} disabled={busy} />
      </div>
      {kind === "webhook" ? (
        <>
          <div className="field">
            <label htmlFor="alert-url">URL</label>
            <input id="alert-url" name="url" className="input" placeholder="https://hooks.example.com/keyflow" disabled={busy} data-testid="alert-url" />
          </div>
          <div className="field">
            <label htmlFor="alert-secret">Signing secret</label>
            <input id="alert-secret" name="secret" type="password" className="input" placeholder="at least 16 characters" disabled={busy} data-testid="alert-secret" />
            <div className="help">Each alert carries x-keyflow-signature: sha256=HMAC of the body with this secret, so your receiver can check it came from here.</div>
          </div>
        </>
      ) : (
        <>
          <div className="field">
            <label htmlFor="alert-token">Bot token</label>
            <input id="alert-token" name="token" type="password" className="input" placeholder="123456:ABC-… from @BotFather" disabled={busy} data-testid="alert-token" />
          </div>
          <div className="field">
            <label htmlFor="alert-chat">Chat id</label>
            <input id="alert-chat" name="chatId" className="input" placeholder="123456789, -100… (group) or @channel" disabled={busy} data-testid="alert-chat" />
          </div>
        </>
      )}
      {error && (
        <div className="error-box" role="alert" data-testid="add-alert-error">
          {error}
        </div>
      )}
      <button type="submit" className="btn primary" disabled={busy} data-testid="add-alert-submit">
        {busy ? "Adding…" : "Add channel"}
      </button>
      <p className="help">Stored encrypted like exchange secrets; never shown again. Alerts say what happened, never a key or a secret.</p>
    </form>
  );
}

export function AlertsPage() {
  const q = useQuery(trpc.alerts.list.queryOptions());
  const channels = q.data ?? [];
  return (
    <div className="page" data-testid="alerts-page">
      <div className="page-main">
        <div className="page-head">
          <div>
            <h2>Alerts</h2>
            <p>Told when the page is closed: entry and exit fills, stops, halts, a bot degraded or recovered, and a summary after each UTC day.</p>
          </div>
          <span className="spacer" />
          <span className="muted">{q.isSuccess ? count(channels.length, "channel") : ""}</span>
        </div>
        <div className="page-scroll">
          {q.isPending && <div className="empty-note">Loading…</div>}
          {q.isError && <div className="error-banner">{errorMessage(q.error)}</div>}
          {q.isSuccess && channels.length === 0 && (
            <div className="page-empty" data-testid="alerts-empty">
              <h3>No alert channels yet</h3>
              <p>Add a webhook or a Telegram chat on the right, then send a test alert to see it arrive.</p>
            </div>
          )}
          <div className="key-list" data-testid="alert-list">
            {channels.map((c) => (
              <ChannelCard key={c.id} c={c} />
            ))}
          </div>
        </div>
      </div>
      <aside className="page-side">
        <div className="side-head">Add a channel</div>
        <div className="scroll">
          <AddChannelForm />
        </div>
      </aside>
    </div>
  );
}
