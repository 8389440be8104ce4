import { FLOW_FORMAT, FLOW_VERSION, flowGraphSchema, type FlowGraph } from "./schema";

export type FlowDocumentResult = { ok: true; flow: FlowGraph; migratedFrom?: number } | { ok: false; errors: string[] };

/**
 * One step per past version: `MIGRATIONS[v]` turns a version-v document into version v+1, each
 * with a test that a version-v file still opens.
 */
const MIGRATIONS: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  // 2 added param ranges (`nodes[].ranges`, optional): a version-1 flow has none, so it reads as is.
  // The bump keeps an older Keyflow from silently dropping ranges it does not know.
  1: (doc) => doc,
};

/** Validates a flow document (a saved strategy or a template file), migrating older versions forward. */
export function parseFlowDocument(input: unknown): FlowDocumentResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, errors: ["A flow must be a JSON object with format \"keyflow.flow\"."] };
  }
  let doc = input as Record<string, unknown>;
  if (doc.format !== FLOW_FORMAT) {
    return { ok: false, errors: [`This is not a Keyflow flow: "format" must be "${FLOW_FORMAT}".`] };
  }
  const version = doc.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    return { ok: false, errors: ['"version" must be a whole number (1 or more).'] };
  }
  if (version > FLOW_VERSION) {
    return { ok: false, errors: [`This flow was made by a newer Keyflow (format version ${version}; this one reads up to ${FLOW_VERSION}). Update Keyflow to open it.`] };
  }
  for (let v = version; v < FLOW_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) return { ok: false, errors: [`Flows of version ${v} can no longer be opened.`] };
    doc = { ...step(doc), version: v + 1 };
  }
  const parsed = flowGraphSchema.safeParse(doc);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => {
        const where = i.path.length ? i.path.join(".") : "flow";
        if (i.code === "unrecognized_keys") return `${where}: unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `"${k}"`).join(", ")} — remove ${i.keys.length > 1 ? "them" : "it"}.`;
        return `${where}: ${i.message}`;
      }),
    };
  }
  return version < FLOW_VERSION ? { ok: true, flow: parsed.data, migratedFrom: version } : { ok: true, flow: parsed.data };
}
