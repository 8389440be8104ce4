import { z } from "zod";

export const compileIssueCodeSchema = z.enum([
  "invalidFlow",
  "unknownBlock",
  "unknownPort",
  "missingInput",
  "duplicateInput",
  "typeMismatch",
  "cycle",
  "badParam",
  "noAction",
  "conflict",
  "unusedBlock",
  "unusedInput",
  "noExit",
  "unreachedLevel",
]);

/** A problem in a flow, pointing at what the person has to fix. */
export const compileIssueSchema = z.object({
  code: compileIssueCodeSchema,
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  port: z.string().optional(),
  param: z.string().optional(),
});
export type CompileIssue = z.infer<typeof compileIssueSchema>;
