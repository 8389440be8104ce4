import { useRef } from "react";
import { Modal } from "../ui/Modal";
import { app } from "../app/appStore";
import { trpcClient } from "../lib/trpc";
import type { KeyView } from "./types";
import { useRequirements, RefusalBox } from "./AddKeyForm";
import { CredentialInputs, neededFields, useCredentialSubmit } from "./credentials";

/**
 * New credentials for the same key record. The server checks them first; bots using the key keep
 * running and sign with the new ones from their next step. The old credentials are wiped.
 */
export function RotateKeyModal({ k, onClose, onRotated }: { k: KeyView; onClose: () => void; onRotated: (k: KeyView) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const req = useRequirements(k.exchange);
  const fields = neededFields(req.data);
  const { busy, refusal, missing, submit } = useCredentialSubmit(fields, !!req.data, async (credentials) => {
    const next = await trpcClient.keys.rotate.mutate({ id: k.id, ...credentials });
    onRotated(next);
    app.toast(`Rotated “${next.label}”: now ${next.maskedKey}.`);
    onClose();
  });

  return (
    <Modal
      title={`Rotate “${k.label}”`}
      subtitle={`${k.exchange} · now ${k.maskedKey}`}
      size="narrow"
      onClose={onClose}
      testId="rotate-key-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="rotate-key-form" className="btn primary" disabled={busy || !req.data} data-testid="rotate-key-submit">
            {busy ? "Checking with the exchange…" : "Check and replace"}
          </button>
        </>
      }
    >
      <form id="rotate-key-form" ref={form} className="form flush" onSubmit={(e) => void submit(e)} autoComplete="off">
        <p className="muted" style={{ margin: 0 }}>
          Create the new key on {k.exchange} first (read and spot trading only), paste it here, then delete the old one on the exchange. Bots using this key keep running.
        </p>
        <CredentialInputs fields={fields} idPrefix="rotate-key" disabled={busy} />
        {missing && <div className="field-error">{missing}</div>}
        {refusal && <RefusalBox refusal={refusal} testId="rotate-key-refusal" />}
      </form>
    </Modal>
  );
}
