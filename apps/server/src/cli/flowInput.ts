import { existsSync, readFileSync } from "node:fs";
import { generateDemoCandles, getTemplate, parseCandlesCsv, parseFlowDocument, TEMPLATES, TIMEFRAME_MS, type Candles, type FlowGraph } from "@keyflow/core";

/** A problem the person can fix; printed as a message, never as a stack trace. */
export class InputError extends Error {}

/** A flow file, or a built-in template by id. */
export function loadFlow(source: string): FlowGraph {
  if (!existsSync(source)) {
    const template = getTemplate(source);
    if (template) return template.flow;
    throw new InputError(`"${source}" is neither a file nor a built-in template (${TEMPLATES.map((t) => t.id).join(", ")}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(source, "utf8"));
  } catch (err) {
    throw new InputError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const doc = parseFlowDocument(json);
  if (!doc.ok) throw new InputError(`${source} is not a valid Keyflow flow:\n${doc.errors.map((e) => `  ✗ ${e}`).join("\n")}`);
  return doc.flow;
}

export function loadCsv(path: string): Candles {
  if (!existsSync(path)) throw new InputError(`No such file: ${path}`);
  const parsed = parseCandlesCsv(readFileSync(path, "utf8"));
  if (!parsed.ok) {
    throw new InputError(`${path} has bad rows:\n${parsed.errors.map((e) => `  line ${e.line}: ${e.message}`).join("\n")}`);
  }
  if (parsed.candles.length === 0) throw new InputError(`${path} has no candles.`);
  return parsed.candles;
}

export function demoCandles(flow: FlowGraph): Candles {
  const barMs = TIMEFRAME_MS[flow.market.timeframe];
  const bars = Math.round((365 * 86_400_000) / barMs);
  return generateDemoCandles({ seed: 1, timeframe: flow.market.timeframe, start: Date.UTC(2025, 0, 1), bars });
}
