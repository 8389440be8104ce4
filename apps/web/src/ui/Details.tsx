import type { ReactNode } from "react";
import { app, useApp } from "../app/appStore";

/**
 * Developer details (timings, spec hashes): kept in the page for whoever reads them, shown only
 * after a press on "details". One switch for the whole app.
 */
export function DevDetail({ children }: { children: ReactNode }) {
  const shown = useApp((s) => s.showDetails);
  return (
    <span className="detail" hidden={!shown}>
      {children}
    </span>
  );
}

export function DetailsToggle({ testId = "details-toggle" }: { testId?: string }) {
  const shown = useApp((s) => s.showDetails);
  return (
    <button type="button" className="details-toggle" aria-pressed={shown} onClick={() => app.set({ showDetails: !shown })} title="Timings and spec hashes" data-testid={testId}>
      {shown ? "hide details" : "details"}
    </button>
  );
}
