import { REPORT_BUNDLE_ID, type ResultBundle, type Verification } from "@keyflow/core";
import { date, dateTime, price, signClass } from "../ui/format";
import { reportRows } from "./report";

export interface HtmlReportInput {
  bundle: ResultBundle;
  /** The run's price line (downsampled closes) for the chart. */
  price: { time: number[]; close: number[] };
  /** What checking the result found, when it was imported. */
  verification?: Verification | null;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const W = 960;
const H = 220;

/** A polyline of (time, value) scaled into a w×h box; gaps (null) break the line. */
export function path(time: readonly number[], value: readonly (number | null)[], t0: number, t1: number, w: number, h: number): { d: string; y: (v: number) => number } {
  const vs = value.filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const x = (t: number) => (((t - t0) / (t1 - t0 || 1)) * w).toFixed(1);
  const y = (v: number) => h - 6 - ((v - lo) / (hi - lo || 1)) * (h - 12);
  let d = "";
  let pen = "M";
  for (let i = 0; i < time.length; i++) {
    const v = value[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = "M";
      continue;
    }
    d += `${pen}${x(time[i]!)} ${y(v).toFixed(1)}`;
    pen = "L";
  }
  return { d, y };
}

function charts(input: HtmlReportInput): string {
  const { bundle, price: p } = input;
  const t0 = bundle.data.from;
  const t1 = bundle.data.to;
  const px = path(p.time, p.close, t0, t1, W, H);
  const x = (t: number) => (((t - t0) / (t1 - t0 || 1)) * W).toFixed(1);
  // Each trade on the price line: entry ▲ green, exit ▼ red, at its fill price.
  const marks = bundle.trades
    .map((t) => `<circle cx="${x(t.entryTime)}" cy="${px.y(t.entryPrice).toFixed(1)}" r="2.5" class="in"/><circle cx="${x(t.exitTime)}" cy="${px.y(t.exitPrice).toFixed(1)}" r="2.5" class="out"/>`)
    .join("");
  const eq = path(bundle.equity.time, bundle.equity.value, t0, t1, W, 120);
  return `<figure><figcaption>Price (${esc(bundle.data.symbol)}, close) with entries and exits</figcaption>
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Price chart" data-testid="report-price"><path d="${px.d}" class="price"/>${marks}</svg></figure>
<figure><figcaption>Equity</figcaption><svg viewBox="0 0 ${W} 120" role="img" aria-label="Equity chart"><path d="${eq.d}" class="equity"/></svg></figure>`;
}

const LABEL: Record<Verification["status"], string> = { verified: "Verified", dataDiffers: "Data differs", notReproduced: "Not reproduced" };

/**
 * The run as one self-contained HTML page: summary, charts (inline SVG) and trades, with the result
 * bundle inside so Keyflow can load and verify it. No script runs and nothing is fetched (the page's
 * own Content-Security-Policy forbids it), so it opens anywhere, from a file or a mail attachment.
 */
export function htmlReport(input: HtmlReportInput): string {
  const { bundle: b, verification } = input;
  const m = b.metrics;
  const rows = reportRows(m)
    .map((r) => `<tr data-id="${r.id}"><th>${esc(r.label)}</th><td class="${signClass(r.sign)}">${esc(r.value)}</td></tr>`)
    .join("");
  const trades = b.trades
    .map(
      (t, i) =>
        `<tr><td>${i + 1}</td><td>${dateTime(t.entryTime)}</td><td>${price(t.entryPrice)}</td><td>${dateTime(t.exitTime)}</td><td>${price(t.exitPrice)}</td><td>${Number(t.qty.toPrecision(8))}</td><td class="${signClass(t.pnl)}">${t.pnl.toFixed(2)}</td><td class="${signClass(t.returnPct)}">${t.returnPct.toFixed(2)}%</td><td>${esc(t.exitReason)}</td></tr>`,
    )
    .join("");
  const badge = verification ? `<p class="badge ${verification.status}" data-testid="report-verification"><b>${LABEL[verification.status]}</b> ${esc(verification.reason)}</p>` : "";
  // The bundle as data, not code: "<" escaped so no text inside can close the element.
  const data = JSON.stringify(b).replace(/</g, "\\u003c");
  const s = b.settings;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Keyflow engine ${esc(b.engineVersion)}">
<title>${esc(b.template.name)} · ${esc(b.data.symbol)} ${b.data.timeframe} · Keyflow result</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#1d2430}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}.meta{color:#5b6678;margin:0 0 12px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #e3e7ee;text-align:left;font-variant-numeric:tabular-nums}
.summary th{font-weight:500;color:#5b6678;width:50%}.pos{color:#12805c}.neg{color:#c0392b}
svg{width:100%;height:auto;background:#fafbfd;border:1px solid #e3e7ee}path{fill:none;stroke-width:1.2}
.price{stroke:#3d6fd8}.equity{stroke:#12805c}.in{fill:#12805c}.out{fill:#c0392b}figure{margin:12px 0}figcaption{color:#5b6678;font-size:12px}
.badge{padding:8px 12px;border-radius:6px}.verified{background:#e4f5ec}.dataDiffers,.notReproduced{background:#fdecea}
code{font-size:12px;word-break:break-all}
</style></head><body>
<h1>${esc(b.template.name)}</h1>
<p class="meta">${esc(b.data.exchange)} ${esc(b.data.symbol)} · ${b.data.timeframe} · ${date(b.data.firstTime)} → ${date(b.data.lastTime)} (${b.data.count} candles) ·
cash ${s.initialCash}, fee ${(s.feeRate * 100).toFixed(3)}%, slippage ${(s.slippage * 100).toFixed(3)}%</p>
${badge}
<table class="summary" data-testid="report-summary"><tbody>${rows}</tbody></table>
<h2>Charts</h2>${charts(input)}
<h2>Trades (${b.trades.length})</h2>
<table class="trades" data-testid="report-trades"><thead><tr><th>#</th><th>Entry (UTC)</th><th>Price</th><th>Exit (UTC)</th><th>Price</th><th>Qty</th><th>P&amp;L</th><th>Return</th><th>Exit</th></tr></thead><tbody>${trades}</tbody></table>
<h2>Check it yourself</h2>
<p>This page carries the full result: the strategy, its settings, a fingerprint of the candles (content hash <code>${b.data.contentHash}</code>)
and every trade. Import this file in Keyflow (Templates → Import) or run <code>keyflow verify &lt;this file&gt;</code> to re-run it on your own candles.
Strategy spec <code>${esc(b.specHash)}</code>, engine ${esc(b.engineVersion)}.</p>
<script type="application/json" id="${REPORT_BUNDLE_ID}">${data}</script>
</body></html>
`;
}

