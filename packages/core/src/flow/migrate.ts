import { migrateForward, type Migrations } from "../util/migrateForward";
import { FLOW_FORMAT, FLOW_VERSION, flowGraphSchema, type FlowGraph } from "./schema";

export type FlowDocumentResult = { ok: true; flow: FlowGraph; migratedFrom?: number } | { ok: false; errors: string[] };

/**
 * One step per past version: `MIGRATIONS[v]` turns a version-v document into version v+1, each
 * with a test that a version-v file still opens.
 */
const MIGRATIONS: Migrations = {
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
  const migrated = migrateForward(doc, FLOW_VERSION, MIGRATIONS, {
    newer: (v) => `This flow was made by a newer Keyflow (format version ${v}; this one reads up to ${FLOW_VERSION}). Update Keyflow to open it.`,
    retired: (v) => `Flows of version ${v} can no longer be opened.`,
  });
  if (!migrated.ok) return { ok: false, errors: [migrated.error] };
  const version = migrated.from;
  doc = migrated.doc;
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
