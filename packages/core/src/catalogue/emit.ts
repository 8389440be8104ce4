/** A number as a JS literal for emitted code; refuses anything that is not a finite number or NaN. */
export function num(x: unknown): string {
  if (typeof x !== "number") throw new Error(`expected a number in emitted code, got ${typeof x}`);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) throw new Error("infinite number in emitted code");
  // Parenthesised so "-3" never fuses with a preceding operator.
  return x < 0 || Object.is(x, -0) ? `(${String(x)})` : String(x);
}

/**
 * A signal from a condition: 1 when `cond` holds, else 0 — or NaN when any operand is NaN (still
 * warming up). Any comparison with NaN is false, so `cond` needs no guard; the else branch gets
 * its NaN for free because NaN × 0 is NaN (and finite × 0 is 0), which costs far less per bar
 * than testing each operand.
 */
export function signal(cond: string, ...operands: string[]): string {
  return `${cond} ? 1 : (${operands.join(" + ")}) * 0`;
}

/**
 * Relative tolerance of comparisons. Prices are decimals that doubles only approximate, and an
 * indicator carries a few units in the last place of rounding: two series that are exactly equal in
 * decimal arithmetic (an SMA(10) and an SMA(20) of cent prices meet exactly now and then) come out a
 * few 1e-16 apart, on either side. So A is above B only when A − B exceeds 1e-12 × max(|A|, |B|):
 * far above rounding noise (~1e-15) and far below any real price difference (a tick of a price with
 * 12 significant digits). Comparisons with 0 stay exact.
 */
export const TIE_REL = 1e-12;

/** Code for "A is above B beyond rounding noise" (false when either is NaN). */
export function above(x: string, y: string): string {
  return `${x} - ${y} > ${tolerance(x, y)}`;
}

/** Code for "A is at or below B, ties within rounding noise included" (false when either is NaN). */
export function notAbove(x: string, y: string): string {
  return `${x} - ${y} <= ${tolerance(x, y)}`;
}

/**
 * The tolerance of a comparison of x and y, written the same way whichever side each is on, so
 * that the JIT computes it once for a cross above and a cross below of the same two series.
 */
function tolerance(x: string, y: string): string {
  const [a, b] = x <= y ? [x, y] : [y, x];
  return `${TIE_REL} * Math.max(Math.abs(${a}), Math.abs(${b}))`;
}
