import { z } from "zod";
import type { BlockDef } from "./types";
import { getBlock } from "./index";

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

/** The fields with the bounds that hold for these values (see BlockDef.limits). */
export function paramFieldsFor(block: BlockDef, params: Record<string, unknown>): ParamField[] {
  const fields = paramFields(block);
  if (!block.limits) return fields;
  const limits = block.limits({ ...Object.fromEntries(fields.map((f) => [f.key, f.default])), ...params } as never);
  return fields.map((f) => (f.kind === "number" && limits[f.key] ? { ...f, ...limits[f.key] } : f));
}

export function paramFieldsOf(kind: string): ParamField[] {
  const block = getBlock(kind);
  return block ? paramFields(block) : [];
}

/**
 * The allowed values of a number field in words: "from 1 to 5,000", "greater than 0",
 * "greater than 0 and at most 100". Bounds a person never meets (1e-12, 1e15) are left out.
 */
export function rangeWords(min: number | undefined, max: number | undefined): string {
  const n = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 6 });
  const lo = min === undefined ? null : min > 0 && min < 1e-6 ? "above0" : min;
  const hi = max === undefined || max >= 1e12 ? null : max;
  if (lo === "above0") return hi === null ? "greater than 0" : `greater than 0 and at most ${n(hi)}`;
  if (lo !== null && hi !== null) return `from ${n(lo)} to ${n(hi)}`;
  if (lo !== null) return `of at least ${n(lo)}`;
  if (hi !== null) return `of at most ${n(hi)}`;
  return "";
}

/** What is wrong with a param's value, in plain words: "Period must be a whole number from 1 to 5,000". */
export function paramProblem(field: ParamField, value: unknown): string {
  if (value === undefined || value === null || value === "") return `${field.label} is required`;
  if (field.kind === "number") {
    const range = rangeWords(field.min, field.max);
    return `${field.label} must be ${field.integer ? "a whole number" : "a number"}${range ? ` ${range}` : ""}`;
  }
  if (field.kind === "enum") return `${field.label} must be one of ${field.options.join(", ")}`;
  if (field.kind === "boolean") return `${field.label} must be on or off`;
  return `${field.label} is not valid`;
}

/** Whether a number param's value lies within its field's bounds (the schema checked its type). */
export function withinBounds(field: ParamField, value: unknown): boolean {
  if (field.kind !== "number" || typeof value !== "number") return true;
  return (field.min === undefined || value >= field.min) && (field.max === undefined || value <= field.max);
}
