import { RESULT_COLUMNS_VERSION, unpackResults, type RunResults } from "@keyflow/core";

/**
 * A run's trades and chart as `backtests.get` sends them (base64: a version byte, then the packed
 * columns deflated) back to objects. The browser inflates them itself (DecompressionStream).
 */
export async function unpackRunResults(base64: string): Promise<RunResults> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (bytes[0] !== RESULT_COLUMNS_VERSION) throw new Error(`The server sent results in format ${bytes[0]}; this page reads ${RESULT_COLUMNS_VERSION}. Reload the page.`);
  const inflated = new Blob([bytes.subarray(1)]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return unpackResults(new Uint8Array(await new Response(inflated).arrayBuffer()));
}
