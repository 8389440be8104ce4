import { z } from "zod";
import { parseFlowDocument } from "../flow/migrate";
import { migrateForward, type Migrations } from "../util/migrateForward";
import { flowGraphSchema, marketSchema, settingsSchema } from "../flow/schema";
import { metricsSchema, openPositionSchema, tradeSchema } from "../engine/result";

export const RESULT_FORMAT = "keyflow.result";
/** Bumped with every incompatible change; `parseResultBundle` then migrates older bundles forward. */
export const RESULT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in hex");

/** Which candles a result was computed on, without the candles themselves. */
export const dataFingerprintSchema = marketSchema.extend({
  /** The range asked for: unix ms, inclusive start, exclusive end. */
  from: z.number(),
  to: z.number(),
  /** The candles in it: open time of the first and last, how many. */
  firstTime: z.number(),
  lastTime: z.number(),
  count: z.number().int().nonnegative(),
  /** SHA-256 of the candles' columns (time, open, high, low, close, volume; float64 little-endian). */
  contentHash: sha256,
});
export type DataFingerprint = z.infer<typeof dataFingerprintSchema>;

export const equityLineSchema = z.strictObject({ time: z.array(z.number()), value: z.array(z.number()) });

/** The candles themselves, only when the person chose to include them: gzip of the six float64 columns, base64. */
export const bundledCandlesSchema = z.strictObject({ encoding: z.literal("gzip-f64le-columns-base64"), data: z.string() });

/** A market's candles in a result: their fingerprint and, optionally, a check value per candle. */
export const bundleDataSchema = dataFingerprintSchema.extend({
  /** One check value per candle (see candleChecks), to say where another copy of the data differs; optional, as it is big. */
  checks: z.string().regex(/^[0-9a-f]*$/).optional(),
});
export type BundleData = z.infer<typeof bundleDataSchema>;

/** What every result file holds besides its markets: what ran, with which engine, and the figures. */
const bundleCommon = {
  format: z.literal(RESULT_FORMAT),
  version: z.literal(RESULT_VERSION),
  /** Unix ms when it was exported. */
  createdAt: z.number(),
  /** The flow as it ran (its market and settings included; a portfolio's markets and rules too). */
  template: flowGraphSchema,
  specHash: z.string(),
  settings: settingsSchema,
  fillRules: z.string(),
  engineVersion: z.string(),
  metrics: metricsSchema,
  /** The equity curve, downsampled (min/max kept). */
  equity: equityLineSchema,
};

/** A result anyone can check: what ran, on which candles, with which engine, and what came out. */
export const resultBundleSchema = z.strictObject({
  ...bundleCommon,
  data: bundleDataSchema,
  trades: z.array(tradeSchema),
  openPosition: openPositionSchema.nullable(),
  candles: bundledCandlesSchema.optional(),
});
export type ResultBundle = z.infer<typeof resultBundleSchema>;

/**
 * A portfolio run's result (one flow over several markets on shared cash): the rules, and per market
 * (in slot order) its candles' fingerprint, its trades, its open position and its skipped entries.
 */
export const portfolioBundleSchema = z.strictObject({
  ...bundleCommon,
  kind: z.literal("portfolio"),
  rules: z.strictObject({ maxOpenPositions: z.number().int().min(1), budgetPerPosition: z.number().positive() }),
  markets: z
    .array(
      z.strictObject({
        data: bundleDataSchema,
        trades: z.array(tradeSchema),
        openPosition: openPositionSchema.nullable(),
        skippedEntries: z.number().int().nonnegative(),
        candles: bundledCandlesSchema.optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type PortfolioBundle = z.infer<typeof portfolioBundleSchema>;

/** Any result file: one market's run, or a portfolio's. */
export type ResultFile = ResultBundle | PortfolioBundle;

export const isPortfolioBundle = (f: ResultFile): f is PortfolioBundle => "kind" in f && f.kind === "portfolio";

export const VERIFICATION_STATUSES = ["verified", "dataDiffers", "notReproduced"] as const;

/** What checking a result on one's own candles found; stored with the run and shown as its badge. */
export const verificationSchema = z.object({
  status: z.enum(VERIFICATION_STATUSES),
  /** A sentence for the person: what matched, or where it first differed. */
  reason: z.string(),
  /** Open time of the first differing candle, or entry time of the first diverging trade. */
  at: z.number().nullable(),
  bundleEngineVersion: z.string(),
  engineVersion: z.string(),
});
export type Verification = z.infer<typeof verificationSchema>;

const MIGRATIONS: Migrations = {};

export type ResultBundleParse<B = ResultBundle> = { ok: true; bundle: B } | { ok: false; errors: string[] };

/** Validates a single-market result file, migrating older versions forward; the template inside is checked as a flow. */
export function parseResultBundle(input: unknown): ResultBundleParse {
  return parseWith(input, resultBundleSchema);
}

/** Validates any result file: a portfolio's (`kind: "portfolio"`) or a single market's. */
export function parseResultFile(input: unknown): ResultBundleParse<ResultFile> {
  const portfolio = typeof input === "object" && input !== null && (input as { kind?: unknown }).kind === "portfolio";
  return portfolio ? parseWith(input, portfolioBundleSchema) : parseWith(input, resultBundleSchema);
}

function parseWith<S extends typeof resultBundleSchema | typeof portfolioBundleSchema>(input: unknown, schema: S): ResultBundleParse<z.infer<S>> {
  if (typeof input !== "object" || input === null || Array.isArray(input) || (input as { format?: unknown }).format !== RESULT_FORMAT) {
    return { ok: false, errors: [`This is not a Keyflow result: "format" must be "${RESULT_FORMAT}".`] };
  }
  const migrated = migrateForward(input as Record<string, unknown>, RESULT_VERSION, MIGRATIONS, {
    newer: (v) => `This result was made by a newer Keyflow (result format ${v}; this one reads up to ${RESULT_VERSION}). Update Keyflow to verify it.`,
    retired: (v) => `Results of format ${v} can no longer be read.`,
  });
  if (!migrated.ok) return { ok: false, errors: [migrated.error] };
  const doc = migrated.doc;
  const flow = parseFlowDocument(doc.template);
  if (!flow.ok) return { ok: false, errors: flow.errors.map((e) => `template: ${e}`) };
  const parsed = schema.safeParse({ ...doc, template: flow.flow });
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "result"}: ${i.message}`) };
  return { ok: true, bundle: parsed.data as z.infer<S> };
}

/** The element of an HTML report that carries its result bundle (JSON, never executed). */
export const REPORT_BUNDLE_ID = "keyflow-result";

/** The result bundle's JSON text inside an HTML report; null when the text is not such a page. */
export function bundleJsonFromHtml(html: string): string | null {
  const m = new RegExp(`<script type="application/json" id="${REPORT_BUNDLE_ID}">([\\s\\S]*?)</script>`).exec(html);
  return m ? m[1]! : null;
}
