import { z } from "zod";

/** Metadata the param forms read: a label and one line of help. */
export interface ParamMeta {
  label: string;
  help: string;
}

export function intParam(meta: ParamMeta, def: number, min: number, max: number) {
  return z.number().int().min(min).max(max).default(def).meta({ ...meta });
}

export function numParam(meta: ParamMeta, def: number, min: number, max: number) {
  return z.number().min(min).max(max).default(def).meta({ ...meta });
}

export function enumParam<const T extends readonly [string, ...string[]]>(meta: ParamMeta, values: T, def: T[number]) {
  return z.enum(values).default(def as never).meta({ ...meta });
}

export const period = (def: number, label = "Period", min = 1) =>
  intParam({ label, help: "Number of bars in the window" }, def, min, 5000);
