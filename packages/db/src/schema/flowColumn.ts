import { customType } from "drizzle-orm/sqlite-core";
import { FLOW_VERSION, parseFlowDocument, type FlowGraph } from "@keyflow/core";

/**
 * A FlowGraph stored as JSON text. A flow saved by an older Keyflow is migrated to the current
 * version as it is read, so everything past the database sees one format.
 */
export const flowColumn = customType<{ data: FlowGraph; driverData: string }>({
  dataType: () => "text",
  toDriver: (flow) => JSON.stringify(flow),
  fromDriver: (text) => {
    const stored = JSON.parse(text) as FlowGraph;
    if (stored.version === FLOW_VERSION) return stored;
    const doc = parseFlowDocument(stored);
    return doc.ok ? doc.flow : stored;
  },
});
