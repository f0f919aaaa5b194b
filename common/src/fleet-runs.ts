import { z } from "zod";
import { commandNameSchema } from "./agent-config.ts";
import { fleetTargetSchema } from "./fleet.ts";

/** Members a run works on at once when the request names no `concurrency`. */
export const DEFAULT_RUN_CONCURRENCY = 20;
/** The most members a run works on at once (each is one call from the run's object to an instance's). */
export const MAX_RUN_CONCURRENCY = 200;
/** The output a run keeps per member: its last 64 KiB (65,536 characters). */
export const RUN_OUTPUT_CHARS = 64 * 1024;
/** The shortest interval a schedule may have. */
export const MIN_SCHEDULE_INTERVAL_SECONDS = 10;

const scriptId = z.string().min(1).max(64);

/**
 * What runs on each member: a command the agent's config allows, or a script from the library
 * (by id, optionally a version; the newest when absent). Exactly one of `command` and `script`.
 */
const jobFields = {
  command: commandNameSchema.optional(),
  script: scriptId.optional(),
  version: z.number().int().min(1).optional(),
};

function exactlyOneJob(v: { command?: string; script?: string; version?: number }, ctx: z.RefinementCtx) {
  if ((v.command === undefined) === (v.script === undefined)) ctx.addIssue({ code: "custom", path: ["command"], message: 'name exactly one of "command" and "script"' });
  if (v.version !== undefined && v.script === undefined) ctx.addIssue({ code: "custom", path: ["version"], message: '"version" goes with "script"' });
}

/** `POST /api/cloud/runs`. */
export const runRequestSchema = z
  .strictObject({
    target: fleetTargetSchema,
    ...jobFields,
    /** Arguments appended to the command's argv. No command accepts arguments yet: a non-empty list is refused. */
    args: z.array(z.string().max(1000)).max(50).optional(),
    concurrency: z.number().int().min(1).max(MAX_RUN_CONCURRENCY).optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .superRefine(exactlyOneJob);
export type RunRequest = z.infer<typeof runRequestSchema>;

export const runMemberStateSchema = z.enum(["queued", "running", "success", "error", "offline", "timeout"]);
export type RunMemberState = z.infer<typeof runMemberStateSchema>;

/** One member's part of a run. */
export const runResultSchema = z.object({
  instanceId: z.string(),
  name: z.string().nullable(),
  state: runMemberStateSchema,
  exitCode: z.number().int().nullable(),
  /** The last 64 KiB of its stdout and stderr, as they came. */
  output: z.string(),
  /** Why it did not run or did not succeed: refused, cancelled, offline, timed out, the agent's refusal. */
  error: z.string().optional(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
});
export type RunResult = z.infer<typeof runResultSchema>;

export const runStateSchema = z.enum(["running", "done"]);

/** `GET /api/cloud/runs/:id`. */
export const runViewSchema = z.object({
  id: z.string(),
  state: runStateSchema,
  target: fleetTargetSchema,
  command: z.string().nullable(),
  script: z.string().nullable(),
  concurrency: z.number().int(),
  timeoutSeconds: z.number().int(),
  scheduleId: z.string().nullable(),
  cancelled: z.boolean(),
  created_at: z.string(),
  ended_at: z.string().nullable(),
  counts: z.record(runMemberStateSchema, z.number().int()),
  results: z.array(runResultSchema),
});
export type RunView = z.infer<typeof runViewSchema>;

/** A run as `GET /api/cloud/runs` and a schedule's runs list it (the D1 index row). */
export const runSummarySchema = z.object({
  id: z.string(),
  /** `skipped`: a schedule's turn that did not start a run (`reason` says why). */
  state: z.enum(["running", "done", "skipped"]),
  target: fleetTargetSchema,
  command: z.string().nullable(),
  script: z.string().nullable(),
  startedBy: z.string(),
  scheduleId: z.string().nullable(),
  total: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  reason: z.string().nullable(),
  created_at: z.string(),
  ended_at: z.string().nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** `POST /api/cloud/schedules`: `cron` (5 fields, UTC) or `intervalSeconds`, exactly one. */
export const scheduleRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    target: fleetTargetSchema,
    ...jobFields,
    cron: z.string().trim().min(1).max(100).optional(),
    intervalSeconds: z.number().int().min(MIN_SCHEDULE_INTERVAL_SECONDS, `at least ${MIN_SCHEDULE_INTERVAL_SECONDS} seconds`).max(366 * 86_400).optional(),
    enabled: z.boolean().default(true),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    concurrency: z.number().int().min(1).max(MAX_RUN_CONCURRENCY).optional(),
  })
  .superRefine((v, ctx) => {
    exactlyOneJob(v, ctx);
    if ((v.cron === undefined) === (v.intervalSeconds === undefined)) ctx.addIssue({ code: "custom", path: ["cron"], message: 'name exactly one of "cron" and "intervalSeconds"' });
  });
export type ScheduleRequest = z.infer<typeof scheduleRequestSchema>;

/** `PATCH /api/cloud/schedules/:id`. */
export const schedulePatchSchema = z.strictObject({ enabled: z.boolean() });

export const scheduleViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  target: fleetTargetSchema,
  command: z.string().nullable(),
  script: z.string().nullable(),
  version: z.number().int().nullable(),
  cron: z.string().nullable(),
  intervalSeconds: z.number().int().nullable(),
  enabled: z.boolean(),
  timeoutSeconds: z.number().int(),
  concurrency: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  last_run_at: z.string().nullable(),
  last_run_id: z.string().nullable(),
  next_run_at: z.string().nullable(),
});
export type ScheduleView = z.infer<typeof scheduleViewSchema>;
