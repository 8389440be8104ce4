import { marketSchema, timeframeSchema } from "@keyflow/core";
import { z } from "zod";
import { bucketCandles } from "../backtest/downsample";
import { importCsv } from "../data/importCsv";
import { redact } from "@keyflow/exchange";
import { candleExchanges, exchangeDisplayName, exchangeMarkets } from "../data/catalogue";
import { deriveSeries } from "../data/derive";
import { seriesGaps } from "../data/seriesGaps";
import { notFound, UserError } from "../errors";
import { createTRPCRouter, publicProcedure } from "../trpc";
import { TIMEFRAME_MS } from "@keyflow/core";

/** CSV text sent in one request; a year of 1m candles is ~60 MB. */
const CSV_MAX_CHARS = 200 * 1024 * 1024;

const seriesId = z.number().int().positive();
const unixMs = z.number().int().min(0).max(8.64e15);

export const marketsRouter = createTRPCRouter({
  /**
   * Stored candle series (one per exchange, symbol and timeframe), the demo market included, with the
   * exchange's display name, bytes on disk and the gaps in each (the first ones listed, all counted).
   */
  list: publicProcedure.query(({ ctx }) => {
    const { db } = ctx.services;
    const sizes = db.candles.sizes();
    return db.candles.list().map((s) => ({ ...s, exchangeName: exchangeDisplayName(s.exchange), bytes: sizes.get(s.id) ?? 0, gaps: seriesGaps(db, s) }));
  }),

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

  /** Exchanges `download` can fetch candles from (ccxt's, with `has.fetchOHLCV`), by display name. */
  exchanges: publicProcedure.query(() => candleExchanges()),

  /** An exchange's spot markets and the timeframes it offers; loaded from the exchange once, then cached. */
  exchangeMarkets: publicProcedure.input(z.object({ exchange: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    if (!candleExchanges().some((e) => e.id === input.exchange)) throw new UserError("BAD_REQUEST", `"${input.exchange}" is not an exchange Keyflow can download candles from.`, { kind: "input", issues: [{ path: "exchange", message: "unknown" }] });
    try {
      return await exchangeMarkets(ctx.services.downloads.factory, input.exchange);
    } catch (e) {
      throw new UserError("BAD_REQUEST", `Could not load the markets of ${exchangeDisplayName(input.exchange)}: ${redact(e instanceof Error ? e.message : String(e)).slice(0, 200)}. Check the connection and try again.`, { kind: "input", issues: [{ path: "exchange", message: "unreachable" }] });
    }
  }),

  /** Downloads running now, so a page opened (or reloaded) mid-download shows their progress. */
  downloads: publicProcedure.query(({ ctx }) => ctx.services.downloads.list()),

  /** Builds a higher timeframe from a stored series (1m → 5m, 15m, 1h, 4h, 1d), stored as a derived series. */
  derive: publicProcedure.input(z.object({ seriesId, timeframe: timeframeSchema })).mutation(({ ctx, input }) => {
    const source = ctx.services.db.candles.get(input.seriesId);
    if (!source) throw notFound("This candle series");
    return deriveSeries(ctx.services.db, source, input.timeframe);
  }),

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
