import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type CandlestickData,
  type IChartApi,
  type ISeriesApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { TIMEFRAME_MS, type Timeframe, type Trade } from "@keyflow/core";
import type { CandleColumns, IndicatorLine, LineColumns } from "./model";
import type { ChartView, RunView } from "./runView";
import { dateTime, price, tickLabel } from "../ui/format";
import { errorMessage } from "../lib/errors";

export interface PriceChartHandle {
  /** Scrolls and zooms the chart so the trade is in view. */
  showTrade(t: Trade): void;
  /** The chart as drawn now, as a PNG; null before it is drawn. */
  png(): Promise<Blob | null>;
}

const OVERLAY_COLORS = ["#f3b53f", "#4ea4ff", "#c27bf0", "#3ec7c0", "#f08a4b", "#e6e6e6"];
const PANE_COLORS = ["#c27bf0", "#f3b53f", "#4ea4ff", "#3ec7c0"];

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

function lineData(c: LineColumns) {
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (let i = 0; i < c.time.length; i++) {
    const v = c.value[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push({ time: sec(c.time[i]!), value: v });
  }
  return out;
}

/** Largest candle time ≤ t (markers must sit on a bar of the — possibly downsampled — series). */
function snap(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0) return t;
  if (t <= times[0]!) return times[0]!;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return times[lo]!;
}

const MAX_DETAILED = 160;
/**
 * Zoomed in to at most this many bars of the market's timeframe, the chart swaps the run's merged
 * candles for the bars themselves (`backtests.window`, the request a trade's detail uses too).
 */
const ZOOM_DETAIL_BARS = 2500;
/** Beyond this many trades in view, markers are a solid band; the legend asks to zoom in instead. */
const MAX_SHOWN = 400;

/** Index of the first trade whose exit (or `key`) is at or after t. */
function firstAtOrAfter(trades: readonly Trade[], t: number, key: "exitTime" | "entryTime" = "exitTime"): number {
  let lo = 0;
  let hi = trades.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (trades[mid]![key] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What closed the trade, on its exit marker. */
const EXIT_TEXT: Record<Trade["exitReason"], string> = { signal: "Signal", stopLoss: "Stop", takeProfit: "Target", trailingStop: "Trail" };

export function tradeMarkers(
  trades: readonly Trade[],
  open: RunView["openPosition"],
  times: number[],
  detailed: boolean,
  fromMs = -Infinity,
  toMs = Infinity,
): SeriesMarker<Time>[] {
  const out: SeriesMarker<Time>[] = [];
  const seen = new Set<string>();
  const add = (t: number, kind: "in" | "win" | "loss", m: Omit<SeriesMarker<Time>, "time">) => {
    if (t < fromMs || t > toMs) return;
    const at = snap(times, t);
    if (!detailed) {
      const key = `${kind}${at}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    out.push({ ...m, time: sec(at) } as SeriesMarker<Time>);
  };
  for (const t of trades) {
    add(t.entryTime, "in", { position: "belowBar", shape: "arrowUp", color: "#3ed1a0", ...(detailed ? { text: "Buy" } : { size: 0.6 }) });
    const win = t.pnl >= 0;
    add(t.exitTime, win ? "win" : "loss", {
      position: "aboveBar",
      shape: "arrowDown",
      color: win ? "#4ea4ff" : "#ef5350",
      ...(detailed ? { text: EXIT_TEXT[t.exitReason] } : { size: 0.6 }),
    });
  }
  if (open) add(open.entryTime, "in", { position: "belowBar", shape: "arrowUp", color: "#3ed1a0", text: "Buy (open)" });
  return out.sort((a, b) => (a.time as number) - (b.time as number));
}

function bars(c: CandleColumns): CandlestickData<Time>[] {
  const data = new Array<CandlestickData<Time>>(c.time.length);
  for (let i = 0; i < c.time.length; i++) data[i] = { time: sec(c.time[i]!), open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]! };
  return data;
}

/** A line of the chart (indicator, equity, drawdown) that a trade's window redraws at bar resolution. */
interface ChartLine {
  /** `nodeId.port` of an indicator, or "equity" / "drawdown". */
  key: string;
  label: string;
  series: ISeriesApi<"Line"> | ISeriesApi<"Area"> | ISeriesApi<"Histogram">;
  draw: (c: LineColumns) => void;
  /** The whole run's line, to go back to. */
  full: LineColumns;
}

/** What `showTrade` needs from the chart built by the effect. */
interface ChartParts {
  candles: ISeriesApi<"Candlestick">;
  lines: ChartLine[];
  full: CandlestickData<Time>[];
  /** Times of the candles currently shown (markers snap to them). */
  times: number[];
  updateMarkers: () => void;
}

interface HoverValues {
  time: number;
  ohlc?: [number, number, number, number];
  values: { label: string; value: number }[];
}

export interface LegendItem {
  label: string;
  color: string;
}

/** Candles with trade markers and overlays; oscillators, equity and drawdown in panes below (one time axis). */
export const PriceChart = forwardRef<
  PriceChartHandle,
  { run: RunView; onDrawn?: () => void; loadDetail?: (from: number, to: number) => Promise<ChartView> }
>(function PriceChart({ run, onDrawn, loadDetail }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const parts = useRef<ChartParts | null>(null);
  const detailSeq = useRef(0);
  const [detail, setDetail] = useState<{ text: string; error?: boolean; bars?: number } | null>(null);
  const [legend, setLegend] = useState<LegendItem[]>([]);
  const [hiddenTrades, setHiddenTrades] = useState(0);
  const [paneLabels, setPaneLabels] = useState<{ label: string; top: number }[]>([]);
  const [hover, setHover] = useState<HoverValues | null>(null);

  const tf = TIMEFRAME_MS[run.timeframe as Timeframe] ?? 60_000;

  const backToFull = () => {
    const p = parts.current;
    const chart = chartRef.current;
    zoomBase.current = ++detailSeq.current;
    setDetail(null);
    if (!p || !chart) return;
    p.candles.setData(p.full);
    p.times = run.candles.time;
    for (const l of p.lines) l.draw(l.full);
    chart.timeScale().fitContent();
    p.updateMarkers();
  };

  /**
   * Fetches the market's own bars for [from, to) and draws every series from them; `then` runs
   * once they are drawn. Only the latest request is drawn.
   */
  const loadBars = (from: number, to: number, loading: string, then: (bars: number) => void) => {
    const p = parts.current;
    if (!loadDetail || !p) return;
    const seq = ++detailSeq.current;
    setDetail({ text: loading });
    loadDetail(from, to).then(
      (w) => {
        if (seq !== detailSeq.current || parts.current !== p) return;
        p.candles.setData(bars(w.candles));
        p.times = w.candles.time;
        // Every line at the same bar resolution as the candles: overlays, oscillators, equity, drawdown.
        const byKey = new Map<string, LineColumns>([...w.indicators.map((l) => [`${l.nodeId}.${l.port}`, l] as const), ["equity", w.equity], ["drawdown", w.drawdown]]);
        for (const l of p.lines) l.draw(byKey.get(l.key) ?? { time: [], value: [] });
        then(w.candles.time.length);
        p.updateMarkers();
      },
      (e: unknown) => seq === detailSeq.current && setDetail({ text: errorMessage(e), error: true }),
    );
  };
  const merged = (run.candles.bucketMs ?? tf) > tf;

  /** The detail request count when the overview was last drawn (a later request means bars are shown or coming). */
  const zoomBase = useRef(0);

  /** Zoomed in far enough on the merged overview: the bars of the visible range (and a margin). */
  const zoomed = useRef<(from: number, to: number) => void>(() => {});
  zoomed.current = (from, to) => {
    const p = parts.current;
    const chart = chartRef.current;
    // Only from the overview: a trade's or a zoom's bars are already drawn.
    if (!merged || !p || !chart || p.times !== run.candles.time || detailSeq.current !== zoomBase.current) return;
    const span = to - from;
    if (span / tf > ZOOM_DETAIL_BARS) return;
    const pad = Math.min(span / 2, ((ZOOM_DETAIL_BARS - span / tf) / 2) * tf);
    const keep = () => chart.timeScale().setVisibleRange({ from: sec(from) as Time, to: sec(to) as Time });
    loadBars(from - pad, to + pad + tf, `Loading ${run.timeframe} candles…`, (n) => {
      keep();
      setDetail({ text: `${run.timeframe} candles, ${dateTime(from - pad)} → ${dateTime(to + pad)}`, bars: n });
    });
  };
  useImperativeHandle(ref, () => ({
    png() {
      const canvas = chartRef.current?.takeScreenshot();
      return new Promise((resolve) => (canvas ? canvas.toBlob(resolve, "image/png") : resolve(null)));
    },
    showTrade(t) {
      const chart = chartRef.current;
      const p = parts.current;
      if (!chart || !p) return;
      const span = Math.max(t.exitTime - t.entryTime, tf);
      const pad = Math.max(span * 1.2, 30 * tf);
      const from = t.entryTime - pad;
      const to = t.exitTime + pad;
      const show = () => chart.timeScale().setVisibleRange({ from: sec(from) as Time, to: sec(to) as Time });
      show();
      // Merged candles hide what happened inside the trade: fetch the market's own candles around it.
      if (!merged) return;
      loadBars(from, to + tf, `Loading ${run.timeframe} candles around the trade…`, (n) => {
        show();
        setDetail({ text: `Trade of ${dateTime(t.entryTime)} on ${run.timeframe} candles`, bars: n });
      });
    },
  }));

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const chart = createChart(el, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "#0c1016" },
        textColor: "#8792a4",
        fontFamily: "Inter Variable, Inter, system-ui, sans-serif",
        fontSize: 11,
        attributionLogo: false,
        panes: { separatorColor: "#212835", separatorHoverColor: "rgba(61,139,253,0.25)", enableResize: true },
      },
      grid: { vertLines: { color: "#141a22" }, horzLines: { color: "#141a22" } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: "#212835", scaleMargins: { top: 0.1, bottom: 0.08 } },
      timeScale: { borderColor: "#212835", timeVisible: true, tickMarkFormatter: (t: Time, kind: number) => tickLabel(t as number, kind), secondsVisible: false, rightOffset: 4, minBarSpacing: 0.05 },
    });
    chartRef.current = chart;

    const candles = chart.addSeries(CandlestickSeries, {
      upColor: "#26a69a",
      downColor: "#ef5350",
      borderVisible: false,
      wickUpColor: "#26a69a",
      wickDownColor: "#ef5350",
      priceLineColor: "#3a4558",
    });
    const c = run.candles;
    const data = bars(c);
    candles.setData(data);

    // Markers follow the visible range: every trade in full when few are in view, one mark per
    // candle and kind when many are (a year of 1m trades would otherwise bury the chart).
    const markersApi = createSeriesMarkers(candles, []);
    const p: ChartParts = { candles, lines: [], full: data, times: c.time, updateMarkers: () => {} };
    parts.current = p;
    zoomBase.current = ++detailSeq.current;
    setDetail(null);
    const trades = run.trades;
    const open = run.openPosition;
    let pendingMarkers = false;
    const updateMarkers = () => {
      pendingMarkers = false;
      const r = chart.timeScale().getVisibleRange();
      const fromMs = r ? (r.from as number) * 1000 : -Infinity;
      const toMs = r ? (r.to as number) * 1000 : Infinity;
      // Positions never overlap, so entry and exit times both ascend.
      const lo = firstAtOrAfter(trades, fromMs);
      const hi = firstAtOrAfter(trades, toMs + 1, "entryTime");
      const visible = trades.slice(lo, hi);
      const tooMany = visible.length > MAX_SHOWN;
      setHiddenTrades(tooMany ? visible.length : 0);
      markersApi.setMarkers(tooMany ? [] : tradeMarkers(visible, open, p.times, visible.length <= MAX_DETAILED, fromMs, toMs));
    };
    p.updateMarkers = updateMarkers;
    updateMarkers();
    // The bars in view, on the element (tests wait for a zoom to take effect by it).
    const markView = (r: { from: Time; to: Time } | null) => {
      if (r) host.current?.setAttribute("data-view-bars", String(Math.round(((r.to as number) - (r.from as number)) * 1000 / tf)));
    };
    markView(chart.timeScale().getVisibleRange());
    let zoomTimer: ReturnType<typeof setTimeout> | undefined;
    chart.timeScale().subscribeVisibleTimeRangeChange((r) => {
      markView(r);
      // A pause after zooming in, then the bars of what is in view.
      clearTimeout(zoomTimer);
      if (r) zoomTimer = setTimeout(() => zoomed.current((r.from as number) * 1000, (r.to as number) * 1000), 250);
      if (pendingMarkers) return;
      pendingMarkers = true;
      requestAnimationFrame(updateMarkers);
    });

    const track = (key: string, label: string, series: ChartLine["series"], full: LineColumns, draw: (c: LineColumns) => void) => {
      draw(full);
      p.lines.push({ key, label, series, draw, full });
    };
    // Under the cursor: the candle's OHLC and every line's value at that bar.
    chart.subscribeCrosshairMove((param) => {
      if (param.time === undefined) return setHover(null);
      const bar = param.seriesData.get(candles) as CandlestickData<Time> | undefined;
      const values: { label: string; value: number }[] = [];
      for (const l of p.lines) {
        const d = param.seriesData.get(l.series) as { value?: number } | undefined;
        if (d?.value !== undefined) values.push({ label: l.label, value: d.value });
      }
      setHover({ time: (param.time as number) * 1000, ...(bar ? { ohlc: [bar.open, bar.high, bar.low, bar.close] } : {}), values });
    });

    const items: LegendItem[] = [];
    let oi = 0;
    for (const line of run.indicators.filter((l) => l.chart === "overlay")) {
      const color = OVERLAY_COLORS[oi++ % OVERLAY_COLORS.length]!;
      const s = chart.addSeries(LineSeries, { color, lineWidth: 2, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false });
      track(`${line.nodeId}.${line.port}`, line.label, s, line, (c) => s.setData(lineData(c)));
      items.push({ label: line.label, color });
    }

    // One pane per oscillator node (MACD's three outputs share one).
    const paneGroups = new Map<string, IndicatorLine[]>();
    for (const line of run.indicators.filter((l) => l.chart === "pane")) paneGroups.set(line.nodeId, [...(paneGroups.get(line.nodeId) ?? []), line]);
    let pane = 1;
    const labels: string[] = ["price"];
    for (const lines of paneGroups.values()) {
      lines.forEach((line, k) => {
        const color = PANE_COLORS[k % PANE_COLORS.length]!;
        if (line.port === "hist") {
          const s = chart.addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, pane);
          track(`${line.nodeId}.${line.port}`, line.label, s, line, (c) =>
            s.setData(lineData(c).map((d) => ({ ...d, color: d.value >= 0 ? "rgba(38,166,154,0.55)" : "rgba(239,83,80,0.55)" }))),
          );
        } else {
          const s = chart.addSeries(LineSeries, { color, lineWidth: 1, priceLineVisible: false, lastValueVisible: true, crosshairMarkerVisible: false }, pane);
          track(`${line.nodeId}.${line.port}`, line.label, s, line, (c) => s.setData(lineData(c)));
          for (const level of line.levels ?? []) {
            s.createPriceLine({ price: level, color: "#5d6878", lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: true, title: "" });
          }
        }
      });
      labels.push(lines.map((l) => l.label).join(" · "));
      pane++;
    }

    const eq = chart.addSeries(
      AreaSeries,
      { lineColor: "#4ea4ff", topColor: "rgba(78,164,255,0.28)", bottomColor: "rgba(78,164,255,0.02)", lineWidth: 2, priceLineVisible: false },
      pane,
    );
    track("equity", "Equity", eq, run.equity, (c) => eq.setData(lineData(c)));
    labels.push("Equity");
    const eqPane = pane++;
    const dd = chart.addSeries(
      AreaSeries,
      {
        lineColor: "#ef5350",
        topColor: "rgba(239,83,80,0.02)",
        bottomColor: "rgba(239,83,80,0.3)",
        lineWidth: 1,
        priceLineVisible: false,
        invertFilledArea: true,
        priceFormat: { type: "custom", formatter: (v: number) => `${v.toFixed(1)}%` },
      } as never,
      pane,
    );
    track("drawdown", "Drawdown", dd, run.drawdown, (c) => dd.setData(lineData(c)));
    dd.createPriceLine({ price: 0, color: "#2c3545", lineWidth: 1, lineStyle: LineStyle.Solid, axisLabelVisible: false, title: "" });
    labels.push("Drawdown");

    // Pane heights: price gets the room, the rest a fixed band each.
    const layout = () => {
      const h = el.clientHeight;
      const panes = chart.panes();
      const oscH = 84;
      const eqH = 96;
      const ddH = 72;
      const rest = Math.max(160, h - 30 - (panes.length - 3) * oscH - eqH - ddH);
      // Stretch factors are relative, so pixel wishes work whatever the total height is.
      panes.forEach((p, i) => p.setStretchFactor(i === 0 ? rest : i === eqPane ? eqH : i === panes.length - 1 ? ddH : oscH));
      requestAnimationFrame(() => {
        let top = 0;
        setPaneLabels(
          chart.panes().map((p, i) => {
            const at = top;
            top += p.getHeight() + 1;
            return { label: labels[i] ?? "", top: at };
          }),
        );
      });
    };
    setLegend(items);
    let fitted = false;
    const ro = new ResizeObserver(() => {
      if (el.clientHeight === 0) return;
      layout();
      if (!fitted) {
        fitted = true;
        chart.timeScale().fitContent();
      }
    });
    ro.observe(el);
    if (el.clientHeight > 0) {
      layout();
      fitted = true;
      chart.timeScale().fitContent();
    }
    // Two frames: the canvas is painted on the next frame after setData.
    requestAnimationFrame(() => requestAnimationFrame(() => onDrawn?.()));

    return () => {
      clearTimeout(zoomTimer);
      ro.disconnect();
      parts.current = null;
      chartRef.current = null;
      chart.remove();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run]);

  return (
    <div className="chart-area" data-testid="price-chart">
      <div className="chart-host" ref={host} />
      <div className="chart-legend">
        <span>
          {run.symbol} · {run.timeframe}
        </span>
        {legend.map((l) => (
          <span key={l.label}>
            <i style={{ background: l.color }} />
            {l.label}
          </span>
        ))}
        {hiddenTrades > 0 ? (
          <span className="dim">{hiddenTrades.toLocaleString("en-US")} trades in view — zoom in (scroll) or pick one in the table to see its markers</span>
        ) : (
          <>
        <span>
          <i style={{ background: "#3ed1a0" }} />
          entries
        </span>
        <span>
          <i style={{ background: "#4ea4ff" }} />
          winning exits
        </span>
        <span>
          <i style={{ background: "#ef5350" }} />
          losing exits
        </span>
          </>
        )}
      </div>
      {hover && (
        <div className="chart-hover" data-testid="chart-hover">
          <span>{dateTime(hover.time)}</span>
          {hover.ohlc && (
            <span>
              O {price(hover.ohlc[0])} H {price(hover.ohlc[1])} L {price(hover.ohlc[2])} C {price(hover.ohlc[3])}
            </span>
          )}
          {hover.values.map((v) => (
            <span key={v.label}>
              {v.label} {price(v.value)}
            </span>
          ))}
        </div>
      )}
      {detail && (
        <div className={`chart-detail${detail.error ? " error" : ""}`} data-testid="chart-detail" {...(detail.bars !== undefined ? { "data-bars": detail.bars } : {})}>
          <span>{detail.text}</span>
          <button type="button" className="btn small" onClick={backToFull} data-testid="chart-detail-back">
            Whole run
          </button>
        </div>
      )}
      {paneLabels.slice(1).map((p) => (
        <div key={p.label + p.top} className="pane-label" style={{ top: p.top + 6 }}>
          {p.label}
        </div>
      ))}
    </div>
  );
});
