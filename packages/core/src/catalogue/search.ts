import type { BlockDef } from "./types";

/** How well a block matches: lower is better; Infinity is no match. */
function rank(block: BlockDef, q: string, tokens: readonly string[]): number {
  const names = [block.label, block.kind, ...(block.aliases ?? [])].map((s) => s.toLowerCase());
  if (names.some((n) => n === q)) return 0;
  if (names.some((n) => n.startsWith(q))) return 1;
  if (names.some((n) => n.split(/[\s\-/()]+/).some((w) => w.startsWith(q)))) return 2;
  if (names.some((n) => n.includes(q))) return 3;
  // Every word somewhere, help text and category included ("volume pressure", "trend strength").
  const text = `${names.join(" ")} ${block.help} ${block.category}`.toLowerCase();
  if (tokens.every((t) => text.includes(t))) return 4;
  return Infinity;
}

/**
 * The blocks matching a palette search, best first: an exact name or alias ("BB", "SAR", "%R"),
 * then names and aliases starting with the query, then containing a word starting with it, then
 * containing it anywhere, then blocks whose names, help and category hold every word of the
 * query. Case-insensitive; ties keep the order of `blocks` (the palette order). An empty query
 * returns every block.
 */
export function matchBlocks(query: string, blocks: readonly BlockDef[]): BlockDef[] {
  const q = query.trim().toLowerCase().replace(/\s+/g, " ");
  if (q === "") return [...blocks];
  const tokens = q.split(" ");
  return blocks
    .map((block, i) => ({ block, i, r: rank(block, q, tokens) }))
    .filter((x) => x.r !== Infinity)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.block);
}
