import { z } from "zod";

/** C0 and C1 control characters (NUL, newlines, escape sequences…). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional overrides, embeddings, isolates and marks: they make a name read differently than it is. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** A UTF-16 surrogate without its pair: not a character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const NAME_MAX = 100;

/**
 * A name a person gives a strategy, key or bot: trimmed, 1–100 characters, readable as written
 * (no control characters, no bidi overrides, no broken characters).
 */
export const nameSchema = z
  .string()
  .trim()
  .min(1, "Give it a name (it cannot be empty or only spaces).")
  .max(NAME_MAX, `Shorten the name to at most ${NAME_MAX} characters.`)
  .refine((s) => !CONTROL.test(s), "Remove the control characters (line breaks, tabs, NUL…) from the name.")
  .refine((s) => !BIDI.test(s), "Remove the text-direction override characters from the name: they make it read differently than it is.")
  .refine((s) => !LONE_SURROGATE.test(s), "The name contains a broken character (a lone UTF-16 surrogate); retype it.");
