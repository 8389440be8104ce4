import { useQuery } from "@tanstack/react-query";
import type { Verification } from "@keyflow/core";
import { app } from "../app/appStore";
import { trpc } from "../lib/trpc";

const LABEL: Record<Verification["status"], string> = { verified: "Verified", dataDiffers: "Data differs", notReproduced: "Not reproduced" };

/** What checking an imported result found: a badge, and its reason beside it (or as its tooltip when `compact`). */
export function VerificationBadge({ verification, compact = false }: { verification: Verification; compact?: boolean }) {
  return (
    <span className={`verify-badge ${verification.status}`} title={verification.reason} data-testid="verification-badge" data-status={verification.status}>
      <b>{verification.status === "verified" ? "✓" : "✗"} {LABEL[verification.status]}</b>
      {!compact && <span data-testid="verification-reason"> {verification.reason}</span>}
    </span>
  );
}

/** For a run made with "Run again": identical to the run it repeats, or where and why not (and both side by side). */
export function ReproductionNote({ runId }: { runId: string }) {
  const q = useQuery(trpc.backtests.reproduction.queryOptions({ runId }, { staleTime: Infinity }));
  const r = q.data;
  if (!r) return null;
  const ok = r.status === "identical";
  return (
    <div className={`verify-badge ${ok ? "verified" : r.status === "differs" ? "notReproduced" : ""}`} data-testid="reproduction" data-status={r.status}>
      <b>{ok ? "✓ Identical" : r.status === "differs" ? "✗ Differs" : r.status === "pending" ? "Comparing…" : "Original gone"}</b> {r.reason}
      {r.status === "differs" && (
        <button type="button" className="btn small" style={{ marginLeft: 8 }} onClick={() => app.set({ compare: [r.originalId, runId], comparing: true })} data-testid="reproduction-show-both">
          Show both
        </button>
      )}
    </div>
  );
}

