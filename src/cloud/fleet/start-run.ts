import { DEFAULT_RUN_CONCURRENCY, type FleetTarget } from "@anchorage/common";
import type { Env } from "../../../core/env.ts";
import type { Db } from "../../../core/db/client.ts";
import type { Principal } from "../../../core/auth/principal.ts";
import { AppError } from "../../../core/app-error.ts";
import { jobLabel, jobUnavailable, type MemberJob } from "../../../core/fleet/member-job.ts";
import { insertRunRow } from "../../../core/fleet/run-index.ts";
import { nowIso, randomToken } from "../../../core/ids.ts";
import { resolveTarget } from "./fleet-target.ts";
import { requireScriptAccess } from "../scripts/script-access.ts";
import { requireScriptVersion } from "../../../core/scripts/script-store.ts";

export type StartRunInput = { target: FleetTarget; job: MemberJob; concurrency?: number; scheduleId?: string };

/** A job of a kind not available is a 400 naming its field, before anything is stored. */
export function requireJobAvailable(job: MemberJob): void {
  const why = jobUnavailable(job);
  if (why) throw new AppError("E-VALIDATION", why, { fields: [{ path: job.kind, message: why }] });
}

/** A script job with its version's body, from the starter's own library (another's script is a 404, as on its own routes). */
export async function withScriptBody(db: Db, principal: Principal, job: MemberJob): Promise<MemberJob> {
  if (job.kind !== "script") return job;
  requireScriptAccess(principal);
  const { script, latest } = await requireScriptVersion(db, principal.userId, job.scriptId, job.version ?? undefined);
  return { ...job, version: latest.version, resolved: { name: script.name, version: latest.version, interpreter: latest.interpreter, body: latest.body } };
}

/**
 * Starts a run as `principal` (a request's caller, or a schedule's owner as they stand now): the
 * target resolved with permit() for `command:` on each member, the index row written, and the
 * fan-out handed to a new FleetRunDO. Throws the 400 of a target matching nothing.
 */
export async function startRun(env: Env, db: Db, principal: Principal, input: StartRunInput): Promise<{ runId: string; total: number; refused: number }> {
  requireJobAvailable(input.job);
  input = { ...input, job: await withScriptBody(db, principal, input.job) };
  const { members, refused } = await resolveTarget(db, principal, input.target, "command:cloud_instance");
  const id = `run_${randomToken(12)}`;
  await insertRunRow(db, {
    id, ownerId: principal.userId, startedBy: input.scheduleId ? `schedule:${input.scheduleId}` : principal.userId, scheduleId: input.scheduleId ?? null,
    target: input.target, ...jobLabel(input.job), state: "running", total: members.length + refused.length, succeeded: 0, failed: 0, reason: null,
    createdAt: nowIso(), endedAt: null,
  });
  await env.FLEET_RUN.get(env.FLEET_RUN.idFromName(id)).start({
    id, ownerId: principal.userId, requestedBy: principal.userId, target: input.target, job: input.job,
    concurrency: input.concurrency ?? DEFAULT_RUN_CONCURRENCY, scheduleId: input.scheduleId ?? null,
    members: members.map((a) => ({ instanceId: a.instance.id, ownerId: a.instance.ownerId, name: a.instance.name })),
    refused: refused.map((r) => ({ ...r, ownerId: null })),
  });
  return { runId: id, total: members.length + refused.length, refused: refused.length };
}
