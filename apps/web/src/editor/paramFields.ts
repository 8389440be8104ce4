import { z } from "zod";
import { getBlock, type BlockDef } from "@keyflow/core";

/** One form field, read from a block's zod params schema (the catalogue is the only list). */
export type ParamField =
  | { kind: "number"; key: string; label: string; help: string; default: number; min?: number; max?: number; integer: boolean }
  | { kind: "enum"; key: string; label: string; help: string; default: string; options: string[] }
  | { kind: "boolean"; key: string; label: string; help: string; default: boolean }
  | { kind: "text"; key: string; label: string; help: string; default: string };

interface JsonProp {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  label?: string;
  help?: string;
  description?: string;
}

const cache = new Map<string, ParamField[]>();

/** Fields of a block's params form, in schema order. */
export function paramFields(block: BlockDef): ParamField[] {
  const hit = cache.get(block.kind);
  if (hit) return hit;
  const json = z.toJSONSchema(block.params, { unrepresentable: "any" }) as { properties?: Record<string, JsonProp> };
  const fields: ParamField[] = [];
  for (const [key, p] of Object.entries(json.properties ?? {})) {
    const label = p.label ?? key;
    const help = p.help ?? p.description ?? "";
    if (Array.isArray(p.enum)) {
      const options = p.enum.map(String);
      fields.push({ kind: "enum", key, label, help, options, default: String(p.default ?? options[0] ?? "") });
    } else if (p.type === "number" || p.type === "integer") {
      const min = p.minimum ?? p.exclusiveMinimum;
      const max = p.maximum ?? p.exclusiveMaximum;
      fields.push({
        kind: "number",
        key,
        label,
        help,
        integer: p.type === "integer",
        default: typeof p.default === "number" ? p.default : 0,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
      });
    } else if (p.type === "boolean") {
      fields.push({ kind: "boolean", key, label, help, default: p.default === true });
    } else {
      fields.push({ kind: "text", key, label, help, default: typeof p.default === "string" ? p.default : "" });
    }
  }
  cache.set(block.kind, fields);
  return fields;
}

export function paramFieldsOf(kind: string): ParamField[] {
  const block = getBlock(kind);
  return block ? paramFields(block) : [];
}

/** Human words for enum values the catalogue uses; anything else is shown as is. */
const ENUM_WORDS: Record<string, string> = {
  percentEquity: "% of equity",
  quote: "Quote amount",
  base: "Base quantity",
  default: "Flow default",
  hl2: "hl2 (high+low)/2",
  hlc3: "hlc3 (high+low+close)/3",
  ohlc4: "ohlc4 (o+h+l+c)/4",
};

export function enumWord(v: string): string {
  return ENUM_WORDS[v] ?? v;
}

/** Short text of a param value for the node body. */
export function formatParam(field: ParamField, value: unknown): string {
  if (value === undefined) return "—";
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
