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
