import { randomUUID } from "node:crypto";
import { compile, flowGraphSchema, TEMPLATES, getTemplate } from "@keyflow/core";
import { z } from "zod";
import { notFound, UserError } from "../errors";
import { exportTemplate, parseTemplateJson, TEMPLATE_MAX_BYTES } from "../templates/templateJson";
import { BUILT_IN_RESULTS } from "../templates/builtInResults";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const templatesRouter = createTRPCRouter({
  /** The built-in templates. */
  list: publicProcedure.query(() =>
    TEMPLATES.map((t) => ({ id: t.id, name: t.flow.name, description: t.flow.description, market: t.flow.market, flow: t.flow })),
  ),

  /**
   * Each built-in template's result on the shared Binance candles, verified by Keyflow's own tests
   * on every build: what the gallery shows beside it.
   */
  results: publicProcedure.query(() =>
    Object.entries(BUILT_IN_RESULTS).map(([id, b]) => ({
      id,
      data: { exchange: b.data.exchange, symbol: b.data.symbol, timeframe: b.data.timeframe, firstTime: b.data.firstTime, lastTime: b.data.lastTime, count: b.data.count },
      engineVersion: b.engineVersion,
      totalReturnPct: b.metrics.totalReturnPct,
      buyHoldReturnPct: b.metrics.buyHoldReturnPct,
      maxDrawdownPct: b.metrics.maxDrawdownPct,
      trades: b.metrics.trades,
    })),
  ),

  /** A built-in template's result file, to verify on one's own candles (`keyflow verify`, or Import). */
  result: publicProcedure.input(z.object({ id: z.string() })).query(({ input }) => {
    const b = BUILT_IN_RESULTS[input.id];
    if (!b) throw notFound(`The result of the template "${input.id}"`);
    return { fileName: `${input.id}.result.json`, bundle: b };
  }),

  get: publicProcedure.input(z.object({ id: z.string() })).query(({ input }) => {
    const t = getTemplate(input.id);
    if (!t) throw notFound(`The template "${input.id}"`);
    return t;
  }),

  /**
   * Reads a template file's text: checks size, JSON, format, version (migrating older ones) and
   * refuses unknown fields. Compile problems do not block the import (the editor shows them on
   * the blocks) and are returned as `problems`. With `save`, also stores it as a new strategy.
   */
  import: publicProcedure
    .input(z.object({ json: z.string().max(TEMPLATE_MAX_BYTES * 2), save: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => {
      const parsed = parseTemplateJson(input.json);
      if (!parsed.ok) {
        throw new UserError("BAD_REQUEST", `This template cannot be imported: ${parsed.errors[0]}${parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : ""}`, {
          kind: "template",
          errors: parsed.errors,
        });
      }
      const compiled = compile(parsed.flow);
      const strategy = input.save
        ? ctx.services.db.strategies.create({ id: randomUUID(), flow: parsed.flow, specHash: compiled.ok ? compiled.hash : null })
        : null;
      return {
        flow: parsed.flow,
        migratedFrom: parsed.migratedFrom ?? null,
        problems: compiled.ok ? [] : compiled.errors,
        strategy,
      };
    }),

  /** A saved strategy (or a flow being edited) as template JSON: no secrets, no local ids. */
  export: publicProcedure
    .input(z.union([z.object({ strategyId: z.string(), version: z.number().int().positive().optional() }), z.object({ flow: flowGraphSchema })]))
    .query(({ ctx, input }) => {
      if ("flow" in input) return exportTemplate(input.flow);
      const s = ctx.services.db.strategies.get(input.strategyId, input.version);
      if (!s) throw notFound("This strategy");
      return exportTemplate(s.flow);
    }),
});
