import { NAME_MAX } from "./name";

/**
 * A name no other strategy has: "SMA cross" stays as it is while free, then becomes "SMA cross (2)",
 * "SMA cross (3)", … A name that already ends in " (n)" is counted on from its base.
 */
export function uniqueName(name: string, taken: Iterable<string>, maxLength = NAME_MAX): string {
  const used = new Set(taken);
  if (!used.has(name)) return name;
  const base = name.replace(/ \(\d+\)$/, "");
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = `${base.slice(0, maxLength - suffix.length)}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}
