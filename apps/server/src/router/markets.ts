import { marketSchema } from "@keyflow/core";
import { z } from "zod";
import { bucketCandles } from "../backtest/downsample";
import { importCsv } from "../data/importCsv";
import { exchangeIds } from "@keyflow/exchange";
import { notFound, UserError } from "../errors";
import { createTRPCRouter, publicProcedure } from "../trpc";
import { TIMEFRAME_MS } from "@keyflow/core";

/** CSV text sent in one request; a year of 1m candles is ~60 MB. */
const CSV_MAX_CHARS = 200 * 1024 * 1024;

const seriesId = z.number().int().positive();
const unixMs = z.number().int().min(0).max(8.64e15);

export const marketsRouter = createTRPCRouter({
  /** Stored candle series (one per exchange, symbol and timeframe), the demo market included. */
  list: publicProcedure.query(({ ctx }) => ctx.services.db.candles.list()),

  /** A series' candles for a chart (by series id or by market), merged into at most `maxPoints` OHLC buckets. */
  candles: publicProcedure
    .input(
      z
        .object({ seriesId: seriesId.optional(), market: marketSchema.optional(), from: unixMs.optional(), to: unixMs.optional(), maxPoints: z.number().int().min(10).max(10_000).default(2000) })
        .refine((i) => (i.seriesId === undefined) !== (i.market === undefined), { message: "Send a seriesId or a market.", path: ["seriesId"] }),
    )
    .query(({ ctx, input }) => {
      const series = input.market ? ctx.services.db.candles.find(input.market) : ctx.services.db.candles.get(input.seriesId!);
      if (!series) throw notFound("This candle series");
      const candles = ctx.services.db.candles.read(series.id, { from: input.from, to: input.to });
      return { series, bars: candles.length, ...bucketCandles(candles, input.maxPoints, TIMEFRAME_MS[series.timeframe]) };
    }),

  /** Imports candles from CSV text (header time,open,high,low,close,volume). All or nothing. */
  importCsv: publicProcedure
    .input(z.object({ market: marketSchema, csv: z.string().max(CSV_MAX_CHARS, "The CSV is larger than 200 MB; split it into smaller files.") }))
    .mutation(({ ctx, input }) => {
      const r = importCsv(ctx.services.db, input.market, input.csv);
      if (!r.ok) {
        const first = r.errors[0]!;
        const more = r.errors.length > 1 ? ` (${r.errors.length - 1} more problem${r.errors.length > 2 ? "s" : ""} listed)` : "";
        throw new UserError("BAD_REQUEST", `Nothing was imported. Line ${first.line}: ${first.message}${more}`, { kind: "csv", errors: r.errors });
      }
      const { ok: _ok, ...result } = r;
      return result;
    }),

  /** Exchange ids that `download` accepts (ccxt's list). */
  exchanges: publicProcedure.query(() => exchangeIds()),

  /** Starts downloading candles from an exchange in the background; follow it with `downloadProgress`. */
  download: publicProcedure
    .input(z.object({ market: marketSchema, since: unixMs, until: unixMs.optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.market.exchange === "demo") throw new UserError("BAD_REQUEST", "The demo market is generated, not downloaded; it is already installed.", { kind: "input", issues: [{ path: "market.exchange", message: "demo" }] });
      if (input.until !== undefined && input.until <= input.since) throw new UserError("BAD_REQUEST", "`until` must be after `since`.", { kind: "input", issues: [{ path: "until", message: "must be after since" }] });
      return ctx.services.downloads.start({ ...input.market, since: input.since, ...(input.until === undefined ? {} : { until: input.until }) });
    }),

  /** Progress of a download (SSE): percent, candles fetched and added, gaps found, then done/failed/cancelled. */
  downloadProgress: publicProcedure.input(z.object({ jobId: z.string() })).subscription(async function* ({ ctx, input, signal }) {
    if (!ctx.services.downloads.current(input.jobId)) throw notFound("This download");
    yield* ctx.services.downloads.progress(input.jobId, signal);
  }),

  cancelDownload: publicProcedure.input(z.object({ jobId: z.string() })).mutation(({ ctx, input }) => ({ cancelled: ctx.services.downloads.cancel(input.jobId) })),

  /** Deletes a stored series and its candles. */
  remove: publicProcedure.input(z.object({ seriesId })).mutation(({ ctx, input }) => {
    if (!ctx.services.db.candles.remove(input.seriesId)) throw notFound("This candle series");
    return { removed: true as const };
  }),
});
