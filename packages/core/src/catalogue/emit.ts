/** A number as a JS literal for emitted code; refuses anything that is not a finite number or NaN. */
export function num(x: unknown): string {
  if (typeof x !== "number") throw new Error(`expected a number in emitted code, got ${typeof x}`);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) throw new Error("infinite number in emitted code");
  // Parenthesised so "-3" never fuses with a preceding operator.
  return x < 0 || Object.is(x, -0) ? `(${String(x)})` : String(x);
}

/** `x !== x` is the fastest NaN test; true when any of the expressions is NaN. */
export function anyNaN(...xs: string[]): string {
  return xs.map((x) => `${x} !== ${x}`).join(" || ");
}
