/** Return of each calendar month (UTC) of an equity curve, in %: from the last close before the month to its last close. */
export function monthlyReturns(time: ArrayLike<number>, equity: ArrayLike<number>, initialCash: number): { month: string; returnPct: number }[] {
  const out: { month: string; returnPct: number }[] = [];
  let start = initialCash;
  let month = "";
  let last = initialCash;
  for (let i = 0; i < equity.length; i++) {
    const m = new Date(time[i]!).toISOString().slice(0, 7);
    if (m !== month) {
      if (month) out.push({ month, returnPct: start > 0 ? (last / start - 1) * 100 : 0 });
      month = m;
      start = last;
    }
    last = equity[i]!;
  }
  if (month) out.push({ month, returnPct: start > 0 ? (last / start - 1) * 100 : 0 });
  return out;
}
