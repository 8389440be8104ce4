import { randomUUID } from "node:crypto";
import { compile, flowGraphSchema, nameSchema } from "@keyflow/core";
import { z } from "zod";
import { notFound } from "../errors";
import { createTRPCRouter, publicProcedure } from "../trpc";

const id = z.string().min(1).max(64);

/** The spec hash when the flow compiles; a draft that does not compile yet is still saved. */
function hashOf(flow: unknown): string | null {
  const r = compile(flow);
  return r.ok ? r.hash : null;
}

export const strategiesRouter = createTRPCRouter({
  /** Saved strategies, newest change first, with the market of their latest version. */
  list: publicProcedure.query(({ ctx }) => ctx.services.db.strategies.list()),

  /** A strategy with the flow of its latest (or the given) version. */
  get: publicProcedure.input(z.object({ id, version: z.number().int().positive().optional() })).query(({ ctx, input }) => {
    const s = ctx.services.db.strategies.get(input.id, input.version);
    if (!s) throw notFound(input.version ? `Version ${input.version} of this strategy` : "This strategy");
    return s;
  }),

  create: publicProcedure.input(z.object({ flow: flowGraphSchema })).mutation(({ ctx, input }) =>
    ctx.services.db.strategies.create({ id: randomUUID(), flow: input.flow, specHash: hashOf(input.flow) }),
  ),

  /** Saves the flow as a new version (unless it equals the latest; then `created` is false). */
  save: publicProcedure.input(z.object({ id, flow: flowGraphSchema })).mutation(({ ctx, input }) => {
    const r = ctx.services.db.strategies.saveVersion(input.id, input.flow, hashOf(input.flow));
    if (!r) throw notFound("This strategy");
    return r;
  }),

  rename: publicProcedure
    .input(z.object({ id, name: nameSchema, description: z.string().max(4000).optional() }))
    .mutation(({ ctx, input }) => {
      const s = ctx.services.db.strategies.rename(input.id, input.name, input.description);
      if (!s) throw notFound("This strategy");
      return s;
    }),

  delete: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => {
    if (!ctx.services.db.strategies.remove(input.id)) throw notFound("This strategy");
    return { deleted: true as const };
  }),

  /** Saved versions, newest first. */
  versions: publicProcedure.input(z.object({ id })).query(({ ctx, input }) => {
    if (!ctx.services.db.strategies.get(input.id)) throw notFound("This strategy");
    return ctx.services.db.strategies.versions(input.id);
  }),
});
