export type Migrations = Record<number, (doc: Record<string, unknown>) => Record<string, unknown>>;

/**
 * Brings a versioned document to the `current` version, one step per past version
 * (`migrations[v]` turns version v into v+1); a readable error for a bad, newer or retired version.
 */
export function migrateForward(
  doc: Record<string, unknown>,
  current: number,
  migrations: Migrations,
  words: { newer: (v: number) => string; retired: (v: number) => string },
): { ok: true; doc: Record<string, unknown>; from: number } | { ok: false; error: string } {
  const version = doc.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) return { ok: false, error: '"version" must be a whole number (1 or more).' };
  if (version > current) return { ok: false, error: words.newer(version) };
  let out = doc;
  for (let v = version; v < current; v++) {
    const step = migrations[v];
    if (!step) return { ok: false, error: words.retired(v) };
    out = { ...step(out), version: v + 1 };
  }
  return { ok: true, doc: out, from: version };
}
