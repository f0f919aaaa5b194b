import { z } from "zod";
import { scopeGrantProblem, type ScopeGrant } from "./scope-paths.ts";

export * from "./scope-paths.ts";

export const scopeGrantSchema = z
  .object({
    scope: z.string().min(3).max(256),
    actions: z.array(z.string().min(1).max(32)).min(1).max(16),
  })
  .superRefine((g, ctx) => {
    const problem = scopeGrantProblem(g);
    if (problem) ctx.addIssue({ code: "custom", path: ["scope"], message: problem });
  })
  .transform((g): ScopeGrant => ({ scope: g.scope, actions: [...new Set(g.actions)].sort() }));

export const scopeListSchema = z.array(scopeGrantSchema).min(1).max(64);
