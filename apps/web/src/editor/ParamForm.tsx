import { useEffect, useState } from "react";
import type { CompileIssue } from "@keyflow/core";
import type { ParamField, ParamRange } from "@keyflow/core";
import { RangeInput } from "./RangeInput";
import { enumWord, parseNumberInput } from "./paramText";

/** A bound as the range hint shows it: 1e-12 (just above zero) reads "0", 1e15 (no real limit) "∞". */
function fmtBound(n: number): string {
  if (n > 0 && n < 1e-6) return "0";
  if (Math.abs(n) >= 1e12) return n > 0 ? "∞" : "−∞";
  return n.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/** A number input that keeps what the person types (e.g. "1." or "") while pushing parsed values up. */
function NumberInput({ field, value, invalid, onChange }: { field: Extract<ParamField, { kind: "number" }>; value: unknown; invalid: boolean; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(value === undefined ? "" : String(value));
  useEffect(() => {
    // Follow outside changes (undo, another node), but not while the text already means this value.
    setText((t) => (parseNumberInput(t) === value ? t : value === undefined ? "" : String(value)));
  }, [value]);
  const outOfRange = typeof value === "number" && ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max));
  return (
    <input
      id={`param-${field.key}`}
      className={`input${invalid || outOfRange ? " invalid" : ""}`}
      type="number"
      inputMode="decimal"
      step={field.integer ? 1 : "any"}
      {...(field.min !== undefined ? { min: field.min } : {})}
      {...(field.max !== undefined ? { max: field.max } : {})}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseNumberInput(e.target.value));
      }}
      data-testid={`param-${field.key}`}
      aria-invalid={invalid || outOfRange}
    />
  );
}

export interface ParamFormProps {
  fields: ParamField[];
  values: Record<string, unknown>;
  /** Compile errors of this node; the ones naming a param show under its field. */
  errors?: CompileIssue[];
  /** Params hidden because the input they stand in for is connected. */
  hidden?: ReadonlySet<string>;
  onChange: (key: string, value: unknown) => void;
  /** Sweep ranges of number params; with `onRange`, each number param can be made one. */
  ranges?: Record<string, ParamRange>;
  onRange?: (key: string, range: ParamRange | null) => void;
}

/** The params form of a block, generated from its zod schema (see paramFields). */
export function ParamForm({ fields, values, errors = [], hidden, onChange, ranges, onRange }: ParamFormProps) {
  const visible = fields.filter((f) => !hidden?.has(f.key));
  if (visible.length === 0) return <div className="empty-note">This block has no settings.</div>;
  return (
    <div className="form" data-testid="param-form">
      {visible.map((f) => {
        const err = errors.find((e) => e.param === f.key);
        const value = values[f.key];
        return (
          <div className="field" key={f.key}>
            <label htmlFor={`param-${f.key}`}>
              <span>{f.label}</span>
              {f.kind === "number" && (f.min !== undefined || f.max !== undefined) && (
                <span className="range" data-testid={`range-${f.key}`}>
                  {f.min !== undefined ? fmtBound(f.min) : "−∞"} – {f.max !== undefined ? fmtBound(f.max) : "∞"}
                  {f.integer ? ", whole" : ""}
                </span>
              )}
              {f.kind === "number" && onRange && (
                <button
                  type="button"
                  className={`range-toggle${ranges?.[f.key] ? " on" : ""}`}
                  title={ranges?.[f.key] ? "Back to one value" : "Sweep this setting over a range of values"}
                  aria-pressed={!!ranges?.[f.key]}
                  onClick={(e) => {
                    e.preventDefault();
                    const v = typeof value === "number" ? value : f.default;
                    onRange(f.key, ranges?.[f.key] ? null : { from: v, to: v + (f.integer ? 10 : v || 1), step: f.integer ? 1 : (v || 1) / 10 });
                  }}
                  data-testid={`range-toggle-${f.key}`}
                >
                  ⇄ range
                </button>
              )}
            </label>
            {f.kind === "number" ? (
              <NumberInput field={f} value={value} invalid={!!err} onChange={(v) => onChange(f.key, v)} />
            ) : f.kind === "enum" ? (
              <select
                id={`param-${f.key}`}
                className="select"
                value={String(value ?? f.default)}
                onChange={(e) => onChange(f.key, e.target.value)}
                data-testid={`param-${f.key}`}
              >
                {f.options.map((o) => (
                  <option key={o} value={o}>
                    {enumWord(o)}
                  </option>
                ))}
              </select>
            ) : f.kind === "boolean" ? (
              <input id={`param-${f.key}`} type="checkbox" checked={value === true} onChange={(e) => onChange(f.key, e.target.checked)} data-testid={`param-${f.key}`} />
            ) : (
              <input id={`param-${f.key}`} className="input" value={String(value ?? "")} onChange={(e) => onChange(f.key, e.target.value)} data-testid={`param-${f.key}`} />
            )}
            {f.kind === "number" && onRange && ranges?.[f.key] && (
              <RangeInput paramKey={f.key} value={typeof value === "number" ? value : f.default} range={ranges[f.key]!} onChange={(r) => onRange(f.key, r)} />
            )}
            {err ? (
              <div className="field-error" role="alert" data-testid={`param-error-${f.key}`}>
                {err.message}
              </div>
            ) : (
              f.help && <div className="help">{f.help}</div>
            )}
          </div>
        );
      })}
    </div>
  );
}
