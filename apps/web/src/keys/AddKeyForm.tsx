import { useRef, useState } from "react";
import { NAME_MAX } from "@keyflow/core";
import { skipToken, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorMessage } from "../lib/errors";
import { trpc, trpcClient } from "../lib/trpc";
import type { Capabilities, KeyView } from "./types";
import { clearCredentials, CredentialInputs, EXCHANGES, neededFields, useCredentialSubmit } from "./credentials";
import type { Refusal } from "./refusal";

export function useRequirements(exchange: string) {
  return useQuery(trpc.keys.requirements.queryOptions(exchange.length > 0 ? { exchange } : skipToken, { staleTime: Infinity, retry: false }));
}

/** What Keyflow can check on the chosen exchange, so the person knows what protection they get. */
function VerifiesLine({ caps }: { caps: Capabilities }) {
  const item = (ok: boolean, yes: string, no: string) => <span className={ok ? "pos" : "muted"}>{ok ? `✓ ${yes}` : `? ${no}`}</span>;
  return (
    <div className="small" data-testid="add-key-verifies">
      On {caps.name} Keyflow can verify: {item(caps.permissionsReported, "the key's permissions", "permissions not reported (withdrawals must be confirmed by you)")} ·{" "}
      {item(caps.ipWhitelistReported, "its IP whitelist", "IP whitelist not reported")} · {caps.testnet ? "testnet available" : "no testnet"}
      {caps.passphrase ? " · needs the key's passphrase" : ""}
    </div>
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
  const asTestnet = testnet && caps.data?.testnet === true;
  const fields = neededFields(req.data);

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
          onChange={(e) => {
            // Fields may differ per exchange: nothing typed for one exchange is kept for another.
            clearCredentials(form.current);
            setChoice(e.target.value);
            reset();
          }}
          disabled={busy}
          data-testid="add-key-exchange"
        >
          {EXCHANGES.map((x) => (
            <option key={x} value={x}>
              {x}
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
        {caps.data && <VerifiesLine caps={caps.data} />}
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
          <input type="checkbox" checked={testnet} onChange={(e) => setTestnet(e.target.checked)} disabled={busy} data-testid="add-key-testnet-checkbox" /> Testnet / demo key ({exchange} offers one: its bots trade play money)
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
