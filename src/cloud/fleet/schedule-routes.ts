import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { DEFAULT_RUN_CONCURRENCY, runSummarySchema, schedulePatchSchema, scheduleRequestSchema, scheduleViewSchema } from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { fleetSchedules } from "../../../core/db/schema.ts";
import { recentRuns, toRunSummary } from "../../../core/fleet/run-index.ts";
import { scheduleOf, schedulesOf, toScheduleView, updateSchedule } from "../../../core/fleet/schedule-store.ts";
import { cronProblem } from "../../../core/fleet/schedule-time.ts";
import { nowIso, randomToken } from "../../../core/ids.ts";
import { eq } from "drizzle-orm";
import { resolveTarget } from "./fleet-target.ts";
import { jobOf } from "./run-routes.ts";
import { requireJobAvailable, withScriptBody } from "./start-run.ts";

/**
 * Schedules are a signed-in person's (API tokens are refused): each run acts later as the owner as
 * they stand then, with all their rights, which a token's narrower scopes must not be able to create.
 */
export const scheduleRoutes = newRouter();
const tags = ["schedules"];
const idParam = z.object({ id: z.string().min(1).max(64) });

const stubFor = (c: Context<AppEnv>, id: string) => c.env.SCHEDULE.get(c.env.SCHEDULE.idFromName(id));

async function mine(c: Context<AppEnv>, id: string) {
  const row = await scheduleOf(c.get("db"), c.get("principal").userId, id);
  if (!row) throw new AppError("E-NOT-FOUND", "no such schedule");
  return row;
}

scheduleRoutes.openapi(
  createRoute({ method: "post", path: "/schedules", tags, ...signedInSession,
    summary: "A schedule: a run of the command on the target at each `cron` time (5 fields, UTC) or every `intervalSeconds` (≥ 10), started by the schedule's own alarm as you",
    request: { body: jsonBody(scheduleRequestSchema) },
    responses: { 201: jsonResponse(scheduleViewSchema, "The schedule"), ...errorResponses(400, 401, 403) } }),
  async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const body = c.req.valid("json");
    if (body.cron !== undefined) {
      const problem = cronProblem(body.cron);
      if (problem) throw new AppError("E-VALIDATION", `cron: ${problem}`, { fields: [{ path: "cron", message: problem }] });
    }
    const job = jobOf(body);
    requireJobAvailable(job);
    await withScriptBody(db, p, job); // a script not in the owner's library is a 404 now, not at the first turn
    await resolveTarget(db, p, body.target, "command:cloud_instance"); // a target matching nothing is a 400 now, not at the first turn
    const id = `sch_${randomToken(12)}`;
    const at = nowIso();
    await db.insert(fleetSchedules).values({
      id, ownerId: p.userId, name: body.name, target: body.target, command: job.kind === "command" ? job.command : null, script: job.kind === "script" ? job.scriptId : null,
      version: job.kind === "script" ? job.version : null, cron: body.cron?.trim() ?? null, intervalSeconds: body.intervalSeconds ?? null, enabled: body.enabled,
      timeoutSeconds: job.timeoutSeconds, concurrency: body.concurrency ?? DEFAULT_RUN_CONCURRENCY, createdAt: at, updatedAt: at, lastRunAt: null, lastRunId: null, nextRunAt: null,
    });
    await stubFor(c, id).changed(id);
    await recordAudit(db, { actorId: p.userId, action: "cloud.schedule_created", subjectId: id, ip: clientIp(c.req.raw), detail: { name: body.name, target: body.target, cron: body.cron ?? null, interval_seconds: body.intervalSeconds ?? null } }, eventSink(c));
    return c.json(toScheduleView((await scheduleOf(db, p.userId, id))!), 201);
  },
);

scheduleRoutes.openapi(
  createRoute({ method: "get", path: "/schedules", tags, ...signedInSession, summary: "Your schedules",
    responses: { 200: jsonResponse(z.object({ schedules: z.array(scheduleViewSchema) }), "Schedules"), ...errorResponses(401, 403) } }),
  async (c) => {
    const rows = await schedulesOf(c.get("db"), c.get("principal").userId);
    // An enabled schedule whose next turn is long past lost its alarm somehow: set it again (the turn itself is not caught up).
    const stale = rows.filter((r) => r.enabled && (r.nextRunAt === null || Date.parse(r.nextRunAt) < Date.now() - 60_000));
    if (stale.length) c.executionCtx.waitUntil(Promise.all(stale.map((r) => stubFor(c, r.id).changed(r.id))));
    return c.json({ schedules: rows.map(toScheduleView) }, 200);
  },
);

scheduleRoutes.openapi(
  createRoute({ method: "get", path: "/schedules/{id}", tags, ...signedInSession, summary: "One schedule", request: { params: idParam },
    responses: { 200: jsonResponse(scheduleViewSchema, "The schedule"), ...errorResponses(401, 403, 404) } }),
  async (c) => c.json(toScheduleView(await mine(c, c.req.valid("param").id)), 200),
);

scheduleRoutes.openapi(
  createRoute({ method: "get", path: "/schedules/{id}/runs", tags, ...signedInSession,
    summary: "The schedule's runs, newest first (at most 100); a turn that did not start a run is listed as `skipped` with its `reason`", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ runs: z.array(runSummarySchema) }), "Runs"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const row = await mine(c, c.req.valid("param").id);
    return c.json({ runs: (await recentRuns(c.get("db"), row.ownerId, row.id)).map(toRunSummary) }, 200);
  },
);

scheduleRoutes.openapi(
  createRoute({ method: "patch", path: "/schedules/{id}", tags, ...signedInSession, summary: "Enable or disable a schedule", request: { params: idParam, body: jsonBody(schedulePatchSchema) },
    responses: { 200: jsonResponse(scheduleViewSchema, "The schedule"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const row = await mine(c, c.req.valid("param").id);
    const { enabled } = c.req.valid("json");
    await updateSchedule(c.get("db"), row.id, { enabled, updatedAt: nowIso() });
    await stubFor(c, row.id).changed(row.id);
    await recordAudit(c.get("db"), { actorId: p.userId, action: enabled ? "cloud.schedule_enabled" : "cloud.schedule_disabled", subjectId: row.id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json(toScheduleView((await scheduleOf(c.get("db"), p.userId, row.id))!), 200);
  },
);

scheduleRoutes.openapi(
  createRoute({ method: "delete", path: "/schedules/{id}", tags, ...signedInSession, summary: "Delete a schedule (its past runs stay in your runs)", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const row = await mine(c, c.req.valid("param").id);
    await c.get("db").delete(fleetSchedules).where(eq(fleetSchedules.id, row.id));
    await stubFor(c, row.id).forget();
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.schedule_deleted", subjectId: row.id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
