// A bot over several markets (a strategy with markets of its own): each market's position, round
// trips, profit and the entries it skipped for want of a free slot or cash (docs/portfolio.md).
import { money, price, qty, signClass } from "../ui/format";
import type { BotDetail } from "./types";

export function GroupMarkets({ markets }: { markets: NonNullable<BotDetail["markets"]> }) {
  return (
    <table className="trades bot-group-markets" data-testid="bot-group-markets">
      <thead>
        <tr>
          <th>Market</th>
          <th>Position</th>
          <th>Round trips</th>
          <th>Profit</th>
          <th title="Entries the flow signalled while no slot or no cash was free">Skipped entries</th>
        </tr>
      </thead>
      <tbody>
        {markets.map((m) => {
          const profit = m.trades.reduce((s, t) => s + t.pnl, 0);
          const p = m.position;
          return (
            <tr key={m.symbol} data-testid={`bot-group-row-${m.symbol}`}>
              <td>{m.symbol}</td>
              <td>{p && p.qty > 0 ? `${qty(p.qty)} @ ${price(p.avgEntryPrice)}` : "flat"}</td>
              <td>{m.trades.length}</td>
              <td className={signClass(profit)}>{money(profit)}</td>
              <td>{p?.skippedEntries ?? 0}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
