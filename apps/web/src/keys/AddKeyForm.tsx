import { useRef, useState } from "react";
import { NAME_MAX } from "@keyflow/core";
import { skipToken, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorMessage } from "../lib/errors";
import { trpc, trpcClient } from "../lib/trpc";
import type { Capabilities, KeyView } from "./types";
import { clearCredentials, CredentialInputs, EXCHANGES, neededFields, useCredentialSubmit } from "./credentials";
import type { Refusal } from "./refusal";

export function useRequirements(exchange: string) {
  return useQuery(trpc.keys.requirements.queryOptions(exchange.length > 0 ? { exchange } : skipToken, { staleTime: Infinity, retry: false }));
}

/** What Keyflow can check on the chosen exchange, so the person knows what protection they get, and where to make the key. */
function VerifiesLine({ caps, testnet }: { caps: Capabilities; testnet: boolean }) {
  const item = (ok: boolean, yes: string, no: string) => <span className={ok ? "pos" : "muted"}>{ok ? `✓ ${yes}` : `? ${no}`}</span>;
  const url = testnet ? caps.testnetKeysUrl : caps.keysUrl;
  return (
    <div className="small" data-testid="add-key-verifies">
      On {caps.name} Keyflow can verify: {item(caps.permissionsReported, "the key's permissions", "permissions not reported (withdrawals must be confirmed by you)")} ·{" "}
      {item(caps.ipWhitelistReported, "its IP whitelist", "IP whitelist not reported")} · {caps.testnet ? "testnet available" : "no testnet"}
      {caps.passphrase ? " · needs the key's passphrase" : ""}
      {url && (
        <>
          {" "}
          ·{" "}
          <a href={url} target="_blank" rel="noreferrer noopener" data-testid="add-key-create-link">
            create a {testnet ? "testnet " : ""}key on {caps.name} ↗
          </a>
        </>
      )}
    </div>
  );
}

const mark = (ok: boolean, title: string) => (
  <td className={ok ? "pos" : "muted"} title={title}>
    {ok ? "✓" : "—"}
  </td>
);

/** Every listed exchange by its name, with what Keyflow verifies there; a row picks the exchange. */
function ExchangeTable({ rows, chosen, onChoose, disabled }: { rows: { id: string; caps: Capabilities | undefined }[]; chosen: string; onChoose: (id: string) => void; disabled: boolean }) {
  return (
    <table className="exchange-table small" data-testid="add-key-exchanges">
      <thead>
        <tr>
          <th>Exchange</th>
          <th title="Keyflow reads the key's rights from the exchange and refuses one that can withdraw">Rights</th>
          <th title="Keyflow reads whether the key is restricted to IP addresses">IP list</th>
          <th>Testnet</th>
          <th>Pass&shy;phrase</th>
          <th title="Where the exchange makes API keys">Keys</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ id, caps }) => (
          <tr key={id} className={id === chosen ? "active" : ""} onClick={() => !disabled && onChoose(id)} data-testid="add-key-exchange-row" data-exchange={id}>
            <td title={caps?.name ?? id}>{caps?.name ?? id}</td>
            {caps ? (
              <>
                {mark(caps.permissionsReported, caps.permissionsReported ? "reported by the exchange" : "not reported: you confirm withdrawals are off")}
                {mark(caps.ipWhitelistReported, caps.ipWhitelistReported ? "reported by the exchange" : "not reported")}
                {mark(caps.testnet, caps.testnet ? "testnet / demo keys can be added" : "no testnet")}
                <td>{caps.passphrase ? "yes" : ""}</td>
                <td>
                  {caps.keysUrl && (
                    <a href={caps.keysUrl} target="_blank" rel="noreferrer noopener" title={`Make an API key on ${caps.name}`} onClick={(e) => e.stopPropagation()}>
                      ↗
                    </a>
                  )}
                </td>
              </>
            ) : (
              <td colSpan={5} className="muted">
                …
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RefusalBox({ refusal, testId }: { refusal: Refusal; testId: string }) {
  return (
    <div className="error-box refusal" role="alert" data-testid={testId} data-reason={refusal.reason ?? ""}>
      <b>{refusal.title}</b>
      <div>{refusal.message}</div>
    </div>
  );
}

/**
 * Add an exchange key: the server checks it with the exchange (permission probe) before storing it.
 * The credentials are read from the inputs and the inputs emptied in the same moment the form is
 * submitted, whether the key is then accepted or refused.
 */
export function AddKeyForm({ onAdded }: { onAdded?: (key: KeyView) => void }) {
  const qc = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [choice, setChoice] = useState<string>("binance");
  const [otherId, setOtherId] = useState("");
  const [label, setLabel] = useState("");
  const [testnet, setTestnet] = useState(false);
  const exchange = choice === "other" ? otherId.trim().toLowerCase() : choice;
  const req = useRequirements(exchange);
  const caps = useQuery(trpc.keys.capabilities.queryOptions(exchange.length > 0 ? { exchange } : skipToken, { staleTime: Infinity, retry: false }));
  // The listed exchanges' names and what Keyflow verifies on each (one batched request).
  const listed = useQueries({ queries: EXCHANGES.map((x) => trpc.keys.capabilities.queryOptions({ exchange: x }, { staleTime: Infinity, retry: false })) });
  const rows = EXCHANGES.map((id, i) => ({ id, caps: listed[i]?.data }));
  const asTestnet = testnet && caps.data?.testnet === true;
  const fields = neededFields(req.data);

  const choose = (id: string) => {
    // Fields may differ per exchange: nothing typed for one exchange is kept for another.
    clearCredentials(form.current);
    setChoice(id);
    reset();
  };

  const { busy, refusal, missing, submit, reset } = useCredentialSubmit(fields, !!req.data, async (credentials) => {
    const key = await trpcClient.keys.add.mutate({ exchange, ...(label.trim() ? { label: label.trim() } : {}), ...(asTestnet ? { testnet: true } : {}), ...credentials });
    setLabel("");
    qc.setQueryData(trpc.keys.list.queryKey(), (list) => (list ? [...list.filter((k) => k.id !== key.id), key] : list));
    void qc.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
    onAdded?.(key);
  });

  return (
    <form ref={form} className="form key-form" onSubmit={(e) => void submit(e)} autoComplete="off" data-testid="add-key-form">
      <div className="field">
        <label htmlFor="add-key-exchange">Exchange</label>
        <select
          id="add-key-exchange"
          className="select"
          value={choice}
          onChange={(e) => choose(e.target.value)}
          disabled={busy}
          data-testid="add-key-exchange"
        >
          {rows.map(({ id, caps: c }) => (
            <option key={id} value={id}>
              {c?.name ?? id}
            </option>
          ))}
          <option value="other">Other (ccxt id)…</option>
        </select>
        {choice === "other" && (
          <input
            className="input"
            style={{ marginTop: 6 }}
            placeholder="ccxt exchange id, e.g. bitstamp"
            value={otherId}
            onChange={(e) => setOtherId(e.target.value)}
            disabled={busy}
            data-testid="add-key-exchange-other"
          />
        )}
        {req.isError && <div className="field-error">{errorMessage(req.error)}</div>}
        {caps.data && <VerifiesLine caps={caps.data} testnet={asTestnet} />}
        <details className="exchange-list" data-testid="add-key-exchanges-details">
          <summary>What Keyflow verifies on each exchange</summary>
          <ExchangeTable rows={rows} chosen={choice} onChoose={choose} disabled={busy} />
        </details>
      </div>
      <div className="field">
        <label htmlFor="add-key-label">
          <span>Label</span>
          <span className="range">optional</span>
        </label>
        <input id="add-key-label" className="input" value={label} maxLength={NAME_MAX} placeholder="e.g. Binance trading" onChange={(e) => setLabel(e.target.value)} disabled={busy} data-testid="add-key-label" />
      </div>
      {caps.data?.testnet && (
        <label className="field checkbox" data-testid="add-key-testnet">
          <input type="checkbox" checked={testnet} onChange={(e) => setTestnet(e.target.checked)} disabled={busy} data-testid="add-key-testnet-checkbox" /> Testnet / demo key ({caps.data.name} offers one: its bots trade play money)
        </label>
      )}
      <CredentialInputs fields={fields} idPrefix="add-key" disabled={busy} />
      {missing && (
        <div className="field-error" data-testid="add-key-missing">
          {missing}
        </div>
      )}
      <div className="info-box small">
        Give the key <b>read</b> and <b>spot trading</b> only. Keyflow refuses keys that can withdraw, and warns when a key has no IP whitelist.
      </div>
      <button type="submit" className="btn primary" disabled={busy || !req.data} data-testid="add-key-submit">
        {busy ? "Checking with the exchange…" : "Check and add key"}
      </button>
      {refusal && <RefusalBox refusal={refusal} testId="add-key-refusal" />}
    </form>
  );
}
