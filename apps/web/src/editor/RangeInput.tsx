import { useEffect, useState } from "react";
import { rangeValues, type ParamRange } from "@keyflow/core";

/** Text of a list range, "5, 8, 13". */
const listText = (r: ParamRange | undefined) => (r && "values" in r ? r.values.join(", ") : "");

function parseList(text: string): number[] | null {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return null;
  const nums = parts.map(Number);
  return nums.every(Number.isFinite) ? nums : null;
}

/**
 * A number param as a sweep range: from, to and step, or a list of values. A sweep tries every
 * value; the param's own value (above) is what a single backtest uses.
 */
export function RangeInput({ paramKey, value, range, onChange }: { paramKey: string; value: number; range: ParamRange; onChange: (r: ParamRange) => void }) {
  const isList = "values" in range;
  const [text, setText] = useState(listText(range));
  useEffect(() => setText((t) => (parseList(t)?.join(", ") === listText(range) ? t : listText(range))), [range]);
  const count = rangeValues(range).length;
  const num = (k: "from" | "to" | "step", v: string) => {
    if (isList) return;
    const n = Number(v);
    if (v.trim() !== "" && Number.isFinite(n)) onChange({ ...range, [k]: n });
  };
  return (
    <div className="range-edit" data-testid={`range-edit-${paramKey}`}>
      <div className="seg range-mode">
        <button type="button" className={`seg-btn${!isList ? " active" : ""}`} onClick={() => onChange(isList ? { from: range.values[0] ?? value, to: range.values.at(-1) ?? value, step: 1 } : range)} data-testid={`range-mode-range-${paramKey}`}>
          From–to
        </button>
        <button type="button" className={`seg-btn${isList ? " active" : ""}`} onClick={() => onChange(isList ? range : { values: rangeValues(range).slice(0, 50) })} data-testid={`range-mode-list-${paramKey}`}>
          List
        </button>
      </div>
      {isList ? (
        <input
          className="input"
          value={text}
          placeholder="5, 8, 13"
          onChange={(e) => {
            setText(e.target.value);
            const values = parseList(e.target.value);
            if (values) onChange({ values });
          }}
          data-testid={`range-list-${paramKey}`}
        />
      ) : (
        <div className="range-row">
          {(["from", "to", "step"] as const).map((k) => (
            <label key={k}>
              <span>{k}</span>
              <input className="input" type="number" inputMode="decimal" defaultValue={range[k]} onChange={(e) => num(k, e.target.value)} data-testid={`range-${k}-${paramKey}`} />
            </label>
          ))}
        </div>
      )}
      <div className="help" data-testid={`range-count-${paramKey}`}>
        {count === 0 ? "No values: “from” must not be above “to”." : `${count} value${count === 1 ? "" : "s"} to sweep`}
      </div>
    </div>
  );
}
