import { FLOW_FORMAT, FLOW_VERSION, flowGraphSchema, parseFlowDocument, type FlowGraph } from "@keyflow/core";

/** Templates are small documents; anything bigger is not one (or is an attack on the parser). */
export const TEMPLATE_MAX_BYTES = 512 * 1024;

export type TemplateParseResult = { ok: true; flow: FlowGraph; migratedFrom?: number } | { ok: false; errors: string[] };

/** Validates a template file: size, JSON, format and version (migrating older ones), no unknown fields. */
export function parseTemplateJson(text: string): TemplateParseResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > TEMPLATE_MAX_BYTES) {
    return { ok: false, errors: [`The file is ${(bytes / 1024).toFixed(0)} KB; a template may be at most ${TEMPLATE_MAX_BYTES / 1024} KB. Is it really a Keyflow template?`] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`The file is not valid JSON (${e instanceof Error ? e.message : String(e)}). Export the template from Keyflow again.`] };
  }
  return parseFlowDocument(doc);
}

/** Param names that could carry a credential or a reference to something on this machine. */
const PRIVATE_PARAM = /secret|password|passphrase|api.?key|token|key.?id|account/i;

/**
 * A flow as a shareable template: only the document's own fields (no database ids, no timestamps,
 * no strategy or key references), and no param that looks like a credential. The market and
 * timeframe go with it; the date range a strategy was backtested over does not (whoever imports it
 * picks their own, on the candles they have).
 */
export function exportTemplate(flow: FlowGraph): { fileName: string; json: string } {
  return { fileName: `${fileSlug(flow.name)}.keyflow.json`, json: `${JSON.stringify(shareableFlow(flow), null, 2)}\n` };
}

/** A file name's stem from a strategy's name. */
export function fileSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "strategy";
}

/** The flow with only what a template carries (see exportTemplate). */
export function shareableFlow(flow: FlowGraph): FlowGraph {
  return flowGraphSchema.parse({
    format: FLOW_FORMAT,
    version: FLOW_VERSION,
    name: flow.name,
    description: flow.description,
    market: { exchange: flow.market.exchange, symbol: flow.market.symbol, timeframe: flow.market.timeframe },
    settings: flow.settings,
    ...(flow.portfolio ? { portfolio: flow.portfolio } : {}),
    nodes: flow.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      params: Object.fromEntries(Object.entries(n.params).filter(([k]) => !PRIVATE_PARAM.test(k))),
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: flow.edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle, target: e.target, targetHandle: e.targetHandle })),
  });
}
