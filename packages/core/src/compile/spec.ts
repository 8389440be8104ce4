import { z } from "zod";
import { timeframeSchema } from "../flow/schema";

export const SPEC_FORMAT = "keyflow.spec";

/** An input of a spec node: another node's output, or a constant the compiler put in for an unconnected input. */
export const specRefSchema = z.union([
  z.strictObject({ node: z.number().int().min(0), port: z.number().int().min(0) }),
  z.strictObject({ const: z.number() }),
]);
export type SpecRef = z.infer<typeof specRefSchema>;

export const specNodeSchema = z.strictObject({
  kind: z.string(),
  /** Every param with defaults applied, so an explicit default and an omitted one hash alike. */
  params: z.record(z.string(), z.unknown()),
  inputs: z.array(specRefSchema),
});
export type SpecNode = z.infer<typeof specNodeSchema>;

/**
 * The compiled strategy: pure data, topologically ordered (inputs always point backwards),
 * without positions, labels or editor ids. Entry sizes are resolved against the flow's settings.
 */
export const strategySpecSchema = z.strictObject({
  format: z.literal(SPEC_FORMAT),
  version: z.literal(1),
  nodes: z.array(specNodeSchema),
  /**
   * The flow's bar length, present only when a block reads a higher timeframe (which is built from
   * these bars); absent otherwise, so specs of flows without one hash as they always did.
   */
  timeframe: timeframeSchema.optional(),
});
export type StrategySpec = z.infer<typeof strategySpecSchema>;
