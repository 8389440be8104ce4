/**
 * Constructor-time parameter check shared by the indicators. Bad parameters are a programming or
 * compile error upstream (the block catalogue validates user input), so they throw rather than
 * degrade silently into an indicator that never warms up.
 */
export function checkPeriod(indicator: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${indicator}: ${name} must be an integer >= ${min}, got ${value}`);
  }
}
