import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../../core/env.ts";
import { openDb, type Db } from "../../../core/db/client.ts";
import { AppError } from "../../../core/app-error.ts";
import { standingPrincipal } from "../../../core/auth/principal.ts";
import { insertRunRow } from "../../../core/fleet/run-index.ts";
import { scheduleById, scheduleJob, updateSchedule } from "../../../core/fleet/schedule-store.ts";
import { nextDue } from "../../../core/fleet/schedule-time.ts";
import { jobLabel } from "../../../core/fleet/member-job.ts";
import type { FleetScheduleRow } from "../../../core/db/schema.ts";
import type { ScheduleRpc } from "../../../core/rpc/schedule-rpc.ts";
import { nowIso, randomToken } from "../../../core/ids.ts";
import { findUserById } from "../../../core/users/users.ts";
import { startRun } from "./start-run.ts";

/**
 * One per schedule (name = schedule id). The schedule is its D1 row; this object holds only its
 * alarm (durable: it survives eviction and a restart of the stack) and the due time it was set for.
 * At each due time it reads the row again (a deleted or disabled schedule does nothing) and starts a
 * run as the schedule's owner as they stand now, so a disabled user or a revoked share applies.
 */
export class ScheduleDO extends DurableObject<Env> implements ScheduleRpc {
  async changed(scheduleId: string): Promise<string | null> {
    await this.ctx.storage.put("id", scheduleId);
    const db = openDb(this.env.DB);
    const row = await scheduleById(db, scheduleId);
    if (!row || !row.enabled) {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.delete("due");
      if (row) await updateSchedule(db, row.id, { nextRunAt: null });
      return null;
    }
    return this.arm(db, row, Date.now());
  }

  async forget(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const id = await this.ctx.storage.get<string>("id");
    if (!id) return;
    const db = openDb(this.env.DB);
    const row = await scheduleById(db, id);
    if (!row) return this.forget();
    if (!row.enabled) return;
    const due = (await this.ctx.storage.get<number>("due")) ?? Date.now();
    let runId: string;
    try {
      runId = await this.fire(db, row);
    } catch (e) {
      // Whatever failed, the schedule goes on: this turn is recorded as skipped with the reason.
      runId = await this.skip(db, row, `could not start: ${(e as Error).message}`.slice(0, 300));
    }
    await updateSchedule(db, row.id, { lastRunAt: nowIso(), lastRunId: runId });
    await this.arm(db, row, due);
  }

  /** Sets the alarm for the turn after `due`; answers it (ISO). */
  private async arm(db: Db, row: FleetScheduleRow, due: number): Promise<string | null> {
    const next = nextDue(row, due);
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      await updateSchedule(db, row.id, { nextRunAt: null });
      return null;
    }
    await this.ctx.storage.put("due", next);
    await this.ctx.storage.setAlarm(next);
    const at = new Date(next).toISOString();
    await updateSchedule(db, row.id, { nextRunAt: at });
    return at;
  }

  /** This turn's run, or the skipped entry saying why there is none. */
  private async fire(db: Db, row: FleetScheduleRow): Promise<string> {
    const last = await this.ctx.storage.get<string>("lastRun");
    if (last) {
      const view = await this.env.FLEET_RUN.get(this.env.FLEET_RUN.idFromName(last)).view();
      if (view?.state === "running") return this.skip(db, row, `the previous run (${last}) was still running`);
    }
    const user = await findUserById(db, row.ownerId);
    if (!user) return this.skip(db, row, "the schedule's owner no longer exists");
    if (user.disabledAt !== null) return this.skip(db, row, "the schedule's owner is disabled");
    const { passwordHash: _, ...standing } = user;
    try {
      const { runId } = await startRun(this.env, db, standingPrincipal(standing), { target: row.target, job: scheduleJob(row), concurrency: row.concurrency, scheduleId: row.id });
      await this.ctx.storage.put("lastRun", runId);
      return runId;
    } catch (e) {
      if (e instanceof AppError) return this.skip(db, row, e.message);
      throw e;
    }
  }

  private async skip(db: Db, row: FleetScheduleRow, reason: string): Promise<string> {
    const id = `skip_${randomToken(12)}`;
    const at = nowIso();
    await insertRunRow(db, {
      id, ownerId: row.ownerId, startedBy: `schedule:${row.id}`, scheduleId: row.id, target: row.target, ...jobLabel(scheduleJob(row)),
      state: "skipped", total: 0, succeeded: 0, failed: 0, reason, createdAt: at, endedAt: at,
    });
    return id;
  }
}
