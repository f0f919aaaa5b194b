import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { runRequestSchema, runSummarySchema, runViewSchema, scopesCover, type RunRequest, type RunView } from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { actorDetail, type Principal } from "../../../core/auth/principal.ts";
import type { MemberJob } from "../../../core/fleet/member-job.ts";
import { recentRuns, runRowOf, toRunSummary } from "../../../core/fleet/run-index.ts";
import { startRun } from "./start-run.ts";

export const runRoutes = newRouter();
const tags = ["runs"];
const idParam = z.object({ id: z.string().min(1).max(64) });
const DEFAULT_TIMEOUT_SECONDS = 120;

/** The job a run or schedule request names (the schema has checked exactly one of command and script). */
export function jobOf(body: { command?: string; script?: string; version?: number; timeoutSeconds?: number }): MemberJob {
  const timeoutSeconds = body.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  return body.script !== undefined ? { kind: "script", scriptId: body.script, version: body.version ?? null, timeoutSeconds } : { kind: "command", command: body.command!, timeoutSeconds };
}

/** No command takes arguments yet (the agent's command.run has none): a non-empty list is refused, never dropped silently. */
function refuseArgs(body: RunRequest) {
  if (body.args?.length) throw new AppError("E-VALIDATION", "args: commands take no arguments yet", { fields: [{ path: "args", message: "commands take no arguments yet; send [] or leave it out" }] });
}

/**
 * A run the caller may see: its owner's (another tenant's id is not found). An API token sees the
 * results of the instances its scopes let it read, nothing else.
 */
async function visibleRun(c: Context<AppEnv>, id: string): Promise<RunView> {
  const p = c.get("principal");
  const row = await runRowOf(c.get("db"), p.userId, id);
  if (!row || row.state === "skipped") throw new AppError("E-NOT-FOUND", "no such run");
  const view = await c.env.FLEET_RUN.get(c.env.FLEET_RUN.idFromName(id)).view();
  if (!view) throw new AppError("E-NOT-FOUND", "no such run");
  return forCaller(p, view);
}

function forCaller(p: Principal, view: RunView & { ownerId?: string; memberOwners?: Record<string, string | null> }): RunView {
  const { ownerId: _o, memberOwners, ...rest } = view;
  if (p.kind !== "token") return rest;
  const readable = rest.results.filter((r) => {
    const owner = memberOwners?.[r.instanceId];
    return owner != null && scopesCover(p.scopes, { root: "cloud", userId: owner, resource: "instances", id: r.instanceId, verb: "read" });
  });
  return { ...rest, results: readable };
}

runRoutes.openapi(
  createRoute({ method: "post", path: "/runs", tags, ...signedIn,
    summary: "Run an allowed command on every instance of a target (a tag or a list), at most `concurrency` at a time; members you may not command are reported, never run. Answers 201 with the run's id at once; progress comes as cloud:run-progress events",
    request: { body: jsonBody(runRequestSchema) },
    responses: { 201: jsonResponse(z.object({ runId: z.string() }), "The run started"), ...errorResponses(400, 401) } }),
  async (c) => {
    const p = c.get("principal");
    const body = c.req.valid("json");
    refuseArgs(body);
    const job = jobOf(body);
    const { runId, total, refused } = await startRun(c.env, c.get("db"), p, { target: body.target, job, concurrency: body.concurrency });
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.run_started", subjectId: runId, ip: clientIp(c.req.raw), detail: { target: body.target, command: body.command ?? null, script: body.script ?? null, total, refused, ...actorDetail(p) } }, eventSink(c));
    return c.json({ runId }, 201);
  },
);

runRoutes.openapi(
  createRoute({ method: "get", path: "/runs", tags, ...signedIn, summary: "Your recent runs (newest first, at most 100), your schedules' included",
    responses: { 200: jsonResponse(z.object({ runs: z.array(runSummarySchema) }), "Runs"), ...errorResponses(401) } }),
  async (c) => {
    const rows = await recentRuns(c.get("db"), c.get("principal").userId);
    return c.json({ runs: rows.filter((r) => r.state !== "skipped").map(toRunSummary) }, 200);
  },
);

runRoutes.openapi(
  createRoute({ method: "get", path: "/runs/{id}", tags, ...signedIn, summary: "A run and every member's result (state, exit code, the last 64 KiB of output)", request: { params: idParam },
    responses: { 200: jsonResponse(runViewSchema, "The run"), ...errorResponses(401, 404) } }),
  async (c) => c.json(await visibleRun(c, c.req.valid("param").id), 200),
);

runRoutes.openapi(
  createRoute({ method: "post", path: "/runs/{id}/cancel", tags, ...signedIn,
    summary: "Cancel a run: queued members end as error \"cancelled\"; running ones finish (the agent is not interrupted)", request: { params: idParam },
    responses: { 200: jsonResponse(runViewSchema, "The run as it is now"), ...errorResponses(401, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const id = c.req.valid("param").id;
    await visibleRun(c, id);
    const view = await c.env.FLEET_RUN.get(c.env.FLEET_RUN.idFromName(id)).cancel();
    if (!view) throw new AppError("E-NOT-FOUND", "no such run");
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.run_cancelled", subjectId: id, ip: clientIp(c.req.raw), detail: actorDetail(p) }, eventSink(c));
    return c.json(forCaller(p, view), 200);
  },
);
