/** Return of each calendar month (UTC) of an equity curve, in %: from the last close before the month to its last close. */
export function monthlyReturns(time: ArrayLike<number>, equity: ArrayLike<number>, initialCash: number): { month: string; returnPct: number }[] {
  const out: { month: string; returnPct: number }[] = [];
  let start = initialCash;
  let last = initialCash;
  let month = "";
  // Dates are made once per month, not per bar: a year of 1m bars is half a million of them.
  let monthEnd = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    const t = time[i]!;
    if (t >= monthEnd) {
      if (month) out.push({ month, returnPct: start > 0 ? (last / start - 1) * 100 : 0 });
      const d = new Date(t);
      month = d.toISOString().slice(0, 7);
      monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      start = last;
    }
    last = equity[i]!;
  }
  if (month) out.push({ month, returnPct: start > 0 ? (last / start - 1) * 100 : 0 });
  return out;
}
