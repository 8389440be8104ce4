import { app } from "../app/appStore";
import { openStrategy } from "../app/session";
import { follow } from "../app/backtest";
import { errorMessage } from "../lib/errors";
import { queryClient } from "../lib/queryClient";
import { trpc, trpcClient } from "../lib/trpc";
import { downloadFile } from "../ui/download";
import { bundleJsonFromHtml } from "@keyflow/core";
import { htmlReport } from "./htmlReport";
import type { RunView } from "./runView";

/** Downloads the run as a result file anyone can verify (with a compressed copy of the candles if asked). */
export async function exportResult(run: RunView, includeCandles = false): Promise<void> {
  try {
    const { fileName, bundle } = await trpcClient.backtests.exportBundle.query({ runId: run.id, includeCandles });
    downloadFile(fileName, new Blob([`${JSON.stringify(bundle)}\n`], { type: "application/json" }));
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

/** Downloads the run as one self-contained HTML page carrying its result file. */
export async function exportHtmlReport(run: RunView): Promise<void> {
  try {
    const { fileName, bundle } = await trpcClient.backtests.exportBundle.query({ runId: run.id });
    const html = htmlReport({ bundle, price: { time: run.candles.time, close: run.candles.close }, verification: run.verification });
    downloadFile(fileName.replace(/\.result\.json$/, ".report.html"), new Blob([html], { type: "text/html" }));
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

/** True when the text is a result file or a report page carrying one (rather than a template). */
export function isResultText(text: string): boolean {
  return /"format"\s*:\s*"keyflow\.result"/.test(text.slice(0, 200)) || bundleJsonFromHtml(text) !== null;
}

/**
 * Imports a result: the server checks it on this install's candles, saves its template as a strategy
 * and runs it; the strategy opens and its run shows with the verification badge.
 */
export async function importResult(text: string): Promise<string | null> {
  app.toast("Checking the result on your own candles (downloading them first if they are missing)…");
  try {
    // A report page goes as it is: the server takes the result out of it.
    const r = await trpcClient.backtests.importBundle.mutate({ json: text });
    void queryClient.invalidateQueries({ queryKey: trpc.strategies.list.queryKey() });
    await openStrategy(r.strategyId);
    app.set({ modal: null });
    if (r.runId) follow(r.runId, false);
    app.toast(r.verification.status === "verified" ? "Verified on your own candles." : r.verification.reason, r.verification.status !== "verified");
    return null;
  } catch (e) {
    return errorMessage(e);
  }
}
