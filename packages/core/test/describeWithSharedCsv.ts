import { describe, it } from "vitest";
import type { Candles } from "../src/data/candles";
import { hasSharedDataFile, loadSharedCsv, sharedDataFile } from "./sharedData";

const cache = new Map<string, Candles>();

function load(name: string): Candles {
  let c = cache.get(name);
  if (!c) cache.set(name, (c = loadSharedCsv(name)));
  return c;
}

/**
 * A describe block over shared candle files. When one is missing, the block holds one failing test
 * per missing file, saying where it looked: a clone without the shared data checks less, so it must
 * not pass quietly. The other tests of the file still run.
 */
export function describeWithSharedCsv<const F extends readonly string[]>(
  name: string,
  files: F,
  body: (...candles: { -readonly [K in keyof F]: Candles }) => void,
): void {
  const missing = files.filter((f) => !hasSharedDataFile(f));
  if (missing.length > 0) {
    describe(name, () => {
      it.each(missing)("needs the shared data file %s", (f) => void sharedDataFile(f));
    });
    return;
  }
  describe(name, () => body(...(files.map(load) as { -readonly [K in keyof F]: Candles })));
}
