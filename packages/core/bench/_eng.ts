import { backtest, compile, getTemplate } from "../src";
import { loadSharedCsv, hasSharedDataFile } from "../test/sharedData";
import { allocCandles } from "../src";
import { YEAR_1M } from "./generatedYear";
function tileReal(bars: number) {
  const src = loadSharedCsv("binance-BTCUSDT-1m.csv");
  const c = allocCandles(bars);
  let scale = 1;
  for (let i = 0; i < bars; i++) {
    const j = i % src.length;
    if (j === 0 && i > 0) scale = c.close[i - 1]! / src.open[0]!;
    c.time[i] = src.time[0]! + i * 60_000;
    c.open[i] = src.open[j]! * scale; c.high[i] = src.high[j]! * scale; c.low[i] = src.low[j]! * scale; c.close[i] = src.close[j]! * scale; c.volume[i] = src.volume[j]!;
  }
  return c;
}
const candles = tileReal(YEAR_1M);
if (process.env.PRE) { const f = getTemplate("sma-cross")!.flow; const rr = compile(f); if (rr.ok) backtest(rr.spec, (await import("../src")).sliceCandles(candles, 0, Number(process.env.PRE)), f.settings); }
const ids = (process.env.IDS ?? "sma-cross").split(",");
for (const id of ids) { if (process.env.HEAP) await (globalThis as any).__startHeap();
  const flow = getTemplate(id)!.flow;
  const r = compile(flow); if (!r.ok) throw 1;
  const times: number[] = [];
  for (let k = 0; k < Number(process.env.R ?? 15); k++) {
    const u0 = process.cpuUsage(); backtest(r.spec, candles, flow.settings, { hash: r.hash, progressEvery: Number(process.env.EVERY ?? 65536) }); const u = process.cpuUsage(u0);
    times.push((u.user + u.system) / 1000); if (process.env.V) console.log("BT", times.at(-1));
  }
  if (process.env.HEAP) await (globalThis as any).__stopHeap();
  console.log(id, times.map((t) => t.toFixed(1)).join(" "));
}
