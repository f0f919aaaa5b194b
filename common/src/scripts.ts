import { z } from "zod";
import { MAX_SCRIPT_ARG_LENGTH, MAX_SCRIPT_ARGS, MAX_SCRIPT_BYTES, MAX_SCRIPT_NAME, scriptInterpreters } from "./script-limits.ts";

export * from "./script-limits.ts";

/**
 * The script library (issue 27): a user's scripts, each a list of versions (every change is a new
 * one, the old ones kept), run on an agent whose config says `scripts: true`.
 */

export const scriptInterpreterSchema = z.enum(scriptInterpreters);

export const scriptNameSchema = z
  .string()
  .trim()
  .min(1, "a script needs a name")
  .max(MAX_SCRIPT_NAME, `at most ${MAX_SCRIPT_NAME} characters`)
  .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), "no control characters");

export const scriptBodySchema = z
  .string()
  .min(1, "a script needs a body")
  .refine((b) => new TextEncoder().encode(b).length <= MAX_SCRIPT_BYTES, `at most ${MAX_SCRIPT_BYTES} bytes (UTF-8)`)
  .refine((b) => !b.includes("\u0000"), "no NUL characters");

export const scriptArgsSchema = z
  .array(z.string().max(MAX_SCRIPT_ARG_LENGTH, `at most ${MAX_SCRIPT_ARG_LENGTH} characters`).refine((a) => !a.includes("\u0000"), "no NUL characters"))
  .max(MAX_SCRIPT_ARGS, `at most ${MAX_SCRIPT_ARGS} arguments`);

/** `POST /api/cloud/scripts`: version 1. */
export const scriptCreateSchema = z.strictObject({ name: scriptNameSchema, body: scriptBodySchema, interpreter: scriptInterpreterSchema });

/** `PUT /api/cloud/scripts/:id`: a new version with this body (the interpreter and name kept unless given). */
export const scriptUpdateSchema = z.strictObject({ body: scriptBodySchema, interpreter: scriptInterpreterSchema.optional(), name: scriptNameSchema.optional() });

/** `POST /api/cloud/instance/:id/script`: run a script (its newest version unless one is named) on one instance. */
export const scriptRunRequestSchema = z.strictObject({
  script_id: z.string().min(1).max(64),
  version: z.number().int().min(1).optional(),
  args: scriptArgsSchema.default([]),
  timeout_seconds: z.number().int().min(1).max(3600).default(120),
});

/** One version's facts, without its body (the versions list). */
export const scriptVersionInfoSchema = z.object({
  version: z.number().int(),
  interpreter: scriptInterpreterSchema,
  bytes: z.number().int(),
  created_at: z.string(),
  created_by: z.string(),
});

/** A script as the list shows it: its newest version's interpreter. */
export const scriptSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int().describe("The newest version"),
  interpreter: scriptInterpreterSchema,
  created_at: z.string(),
  updated_at: z.string(),
});
export type Script = z.infer<typeof scriptSchema>;

/** One version with its body. */
export const scriptVersionSchema = scriptVersionInfoSchema.extend({ script_id: z.string(), name: z.string(), body: z.string() });
export type ScriptVersion = z.infer<typeof scriptVersionSchema>;

/** `GET /api/cloud/scripts/:id` (and what a create or an update answers): the newest body and every version. */
export const scriptDetailSchema = scriptSchema.extend({ body: z.string(), versions: z.array(scriptVersionInfoSchema) });
export type ScriptDetail = z.infer<typeof scriptDetailSchema>;
