import { getBlock, paramFieldsOf, type FlowGraph, type Settings } from "@keyflow/core";
import { date, money } from "../ui/format";
import { enumWord } from "../editor/paramText";

/** What a compare view needs to know of a run: what ran, on what, over which range, with which settings. */
export interface RunSetup {
  flow: FlowGraph;
  settings: Settings;
  exchange: string;
  symbol: string;
  timeframe: string;
  fromTime: number;
  toTime: number;
}

const SETTINGS: { key: keyof Settings; text: (s: Settings) => string }[] = [
  { key: "initialCash", text: (s) => `cash ${money(s.initialCash, 0)}` },
  { key: "feeRate", text: (s) => `fee ${+(s.feeRate * 100).toFixed(4)} %` },
  { key: "slippage", text: (s) => `slippage ${+(s.slippage * 100).toFixed(4)} %` },
  { key: "sizing", text: (s) => `default size ${s.sizing.value} ${enumWord(s.sizing.mode)}` },
];

function paramWords(flow: FlowGraph, nodeId: string): Map<string, string> {
  const node = flow.nodes.find((n) => n.id === nodeId)!;
  const label = getBlock(node.kind)?.label ?? node.kind;
  const out = new Map<string, string>();
  for (const f of paramFieldsOf(node.kind)) {
    const v = node.params[f.key] ?? f.default;
    out.set(f.key, `${label} ${f.label.toLowerCase()} ${f.kind === "enum" ? enumWord(String(v)) : String(v)}`);
  }
  return out;
}

/**
 * Labels for two runs by what differs between them: market, range, settings, blocks and their params.
 * Two runs of the same thing say so.
 */
export function runDifferences(a: RunSetup, b: RunSetup): [string[], string[]] {
  const la: string[] = [];
  const lb: string[] = [];
  const differ = (x: string, y: string) => {
    if (x !== y) {
      la.push(x);
      lb.push(y);
    }
  };
  differ(`${a.symbol} ${a.timeframe}${a.exchange === "demo" ? "" : ` (${a.exchange})`}`, `${b.symbol} ${b.timeframe}${b.exchange === "demo" ? "" : ` (${b.exchange})`}`);
  differ(`${date(a.fromTime)} → ${date(a.toTime)}`, `${date(b.fromTime)} → ${date(b.toTime)}`);
  for (const s of SETTINGS) if (JSON.stringify(a.settings[s.key]) !== JSON.stringify(b.settings[s.key])) differ(s.text(a.settings), s.text(b.settings));
  const ids = new Set([...a.flow.nodes, ...b.flow.nodes].map((n) => n.id));
  for (const id of ids) {
    const na = a.flow.nodes.find((n) => n.id === id);
    const nb = b.flow.nodes.find((n) => n.id === id);
    if (!na || !nb || na.kind !== nb.kind) {
      const name = (n: typeof na) => (n ? `${getBlock(n.kind)?.label ?? n.kind} (${n.id})` : `no ${id}`);
      differ(name(na), name(nb));
      continue;
    }
    const pa = paramWords(a.flow, id);
    const pb = paramWords(b.flow, id);
    for (const [key, text] of pa) differ(text, pb.get(key) ?? "");
  }
  if (la.length === 0) return [["same flow, data and settings"], ["same flow, data and settings"]];
  return [la, lb];
}
