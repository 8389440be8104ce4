import { useState, type FormEvent } from "react";
import type { CredentialField, Credentials, Requirements } from "./types";
import { describeRefusal, type Refusal } from "./refusal";

/** Common ccxt exchange ids first; any other id can be typed in. */
export const EXCHANGES = ["binance", "binanceus", "bybit", "okx", "kucoin", "kraken", "coinbase", "bitget", "gate", "mexc", "htx", "bitfinex"] as const;

export const FIELD_TEXT: Record<CredentialField, { label: string; help: string }> = {
  apiKey: { label: "API key", help: "The key's public id, as the exchange shows it." },
  secret: { label: "Secret", help: "Shown once by the exchange when the key was created. Stored encrypted; never shown again." },
  password: { label: "Passphrase", help: "The passphrase you chose when you created the key (this exchange requires one)." },
  uid: { label: "User id", help: "Your account's user id (this exchange signs with it)." },
};

const ORDER: CredentialField[] = ["apiKey", "secret", "password", "uid"];

/** The credential fields an exchange needs, in a stable order. */
export function neededFields(need: Requirements | undefined): CredentialField[] {
  if (!need) return ["apiKey", "secret"];
  return ORDER.filter((f) => need[f]);
}

/**
 * Credential inputs. They are uncontrolled on purpose: what is typed lives only in the input's
 * value (never in React state, never in a DOM attribute, so never in the page's HTML), and
 * `takeCredentials` empties them the moment the form is submitted.
 */
export function CredentialInputs({ fields, idPrefix, disabled }: { fields: CredentialField[]; idPrefix: string; disabled?: boolean }) {
  return (
    <>
      {fields.map((f) => (
        <div className="field" key={f}>
          <label htmlFor={`${idPrefix}-${f}`}>{FIELD_TEXT[f].label}</label>
          <input
            id={`${idPrefix}-${f}`}
            className="input mono"
            name={f}
            type="password"
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="off"
            spellCheck={false}
            maxLength={512}
            disabled={disabled}
            data-testid={`${idPrefix}-${f}`}
          />
          <div className="help">{FIELD_TEXT[f].help}</div>
        </div>
      ))}
    </>
  );
}

/**
 * Reads the credential inputs of a form. Returns the names of empty required fields instead when
 * some are missing (the inputs are left as they are then); otherwise empties every credential input
 * at once and returns the values for the one request that sends them.
 */
export function takeCredentials(form: HTMLFormElement, fields: CredentialField[]): { ok: true; credentials: Credentials } | { ok: false; missing: CredentialField[] } {
  const inputs = fields.map((f) => [f, form.elements.namedItem(f)] as const).filter((x): x is readonly [CredentialField, HTMLInputElement] => x[1] instanceof HTMLInputElement);
  const missing = inputs.filter(([, el]) => el.value.trim() === "").map(([f]) => f);
  if (missing.length > 0) return { ok: false, missing };
  const values: Partial<Record<CredentialField, string>> = {};
  for (const [f, el] of inputs) {
    values[f] = el.value.trim();
    el.value = "";
  }
  const credentials: Credentials = { apiKey: values.apiKey ?? "", secret: values.secret ?? "" };
  if (values.password) credentials.password = values.password;
  if (values.uid) credentials.uid = values.uid;
  return { ok: true, credentials };
}

/** Empties every credential input of a form (on cancel, or when the exchange changes). */
export function clearCredentials(form: HTMLFormElement | null): void {
  if (!form) return;
  for (const f of ORDER) {
    const el = form.elements.namedItem(f);
    if (el instanceof HTMLInputElement) el.value = "";
  }
}

export function missingText(missing: CredentialField[]): string {
  const names = missing.map((f) => FIELD_TEXT[f].label.toLowerCase());
  return `Fill in the ${names.join(" and ")}.`;
}

/**
 * The submit of a form that carries credentials (add a key, rotate one): takes them out of the
 * inputs (which empties them), says which are missing, and turns a refusal into a message.
 */
export function useCredentialSubmit(fields: CredentialField[], ready: boolean, send: (credentials: Credentials) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (busy || !ready) return;
    const taken = takeCredentials(e.currentTarget, fields);
    if (!taken.ok) {
      setMissing(missingText(taken.missing));
      return;
    }
    setMissing(null);
    setRefusal(null);
    setBusy(true);
    try {
      await send(taken.credentials);
    } catch (err) {
      setRefusal(describeRefusal(err));
    } finally {
      setBusy(false);
    }
  };
  /** Forgets the last refusal and missing-field message (e.g. when the exchange changes). */
  const reset = () => {
    setRefusal(null);
    setMissing(null);
  };
  return { busy, refusal, missing, submit, reset };
}
