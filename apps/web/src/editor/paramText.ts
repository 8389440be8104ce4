import type { ParamField } from "@keyflow/core";

/** Human words for enum values the catalogue uses; anything else is shown as is. */
const ENUM_WORDS: Record<string, string> = {
  percentEquity: "% of equity",
  percentCash: "% of cash left",
  quote: "Quote amount",
  base: "Base quantity",
  default: "Flow default",
  flow: "Flow's own",
  hl2: "hl2 (high+low)/2",
  hlc3: "hlc3 (high+low+close)/3",
  ohlc4: "ohlc4 (o+h+l+c)/4",
};

export function enumWord(v: string): string {
  return ENUM_WORDS[v] ?? v;
}

/** Short text of a param value for the node body. */
export function formatParam(field: ParamField, value: unknown): string {
  if (value === undefined) return field.kind === "enum" ? enumWord(field.default) : "—";
  if (field.kind === "enum") return enumWord(String(value));
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(+value.toPrecision(6));
  return String(value);
}

/** Turns the text of a number input into the param value: a number when it is one, else the raw text so the compiler reports it. */
export function parseNumberInput(text: string): number | string {
  const t = text.trim();
  if (t === "") return "";
  const n = Number(t);
  return Number.isFinite(n) ? n : text;
}
