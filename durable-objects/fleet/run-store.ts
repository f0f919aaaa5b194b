import type { FleetTarget, RunMemberState, RunResult, RunView } from "@anchorage/common";
import type { MemberJob, MemberOutcome } from "../../core/fleet/member-job.ts";
import { jobLabel } from "../../core/fleet/member-job.ts";
import type { RunSpec } from "../../core/rpc/fleet-run-rpc.ts";

type RunRow = {
  id: string; owner_id: string; requested_by: string; target: string; job: string; concurrency: number;
  schedule_id: string | null; cancelled: number; created_at: string; ended_at: string | null;
};
type MemberRow = {
  ord: number; instance_id: string; owner_id: string | null; name: string | null; state: RunMemberState;
  exit_code: number | null; output: string; error: string | null; started_at: string | null; ended_at: string | null;
};

export type RunMeta = { id: string; ownerId: string; requestedBy: string; target: FleetTarget; job: MemberJob; concurrency: number; scheduleId: string | null; cancelled: boolean; createdAt: string; endedAt: string | null };
export type QueuedMember = { ord: number; instanceId: string; ownerId: string | null; name: string | null };

const toResult = (m: MemberRow): RunResult => ({
  instanceId: m.instance_id, name: m.name, state: m.state, exitCode: m.exit_code, output: m.output,
  ...(m.error !== null ? { error: m.error } : {}), started_at: m.started_at, ended_at: m.ended_at,
});

/**
 * A run's state in its object's SQLite storage: the run and one row per member, written as each
 * member starts and ends, so an eviction or restart loses no result.
 */
export class RunStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS run (
      id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, requested_by TEXT NOT NULL, target TEXT NOT NULL, job TEXT NOT NULL,
      concurrency INTEGER NOT NULL, schedule_id TEXT, cancelled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, ended_at TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS members (
      ord INTEGER PRIMARY KEY, instance_id TEXT NOT NULL UNIQUE, owner_id TEXT, name TEXT, state TEXT NOT NULL,
      exit_code INTEGER, output TEXT NOT NULL DEFAULT '', error TEXT, started_at TEXT, ended_at TEXT)`);
  }

  /** Stores a new run: members queued in the target's order, refused ones already ended as `error`. False when it exists. */
  create(spec: RunSpec, now: string): boolean {
    if (this.meta()) return false;
    this.sql.exec(
      "INSERT INTO run (id, owner_id, requested_by, target, job, concurrency, schedule_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      spec.id, spec.ownerId, spec.requestedBy, JSON.stringify(spec.target), JSON.stringify(spec.job), spec.concurrency, spec.scheduleId, now,
    );
    let ord = 0;
    for (const m of spec.members) {
      this.sql.exec("INSERT OR IGNORE INTO members (ord, instance_id, owner_id, name, state) VALUES (?, ?, ?, ?, 'queued')", ord++, m.instanceId, m.ownerId, m.name);
    }
    for (const r of spec.refused) {
      this.sql.exec(
        "INSERT OR IGNORE INTO members (ord, instance_id, owner_id, name, state, error, ended_at) VALUES (?, ?, ?, ?, 'error', ?, ?)",
        ord++, r.instanceId, r.ownerId, r.name, r.reason, now,
      );
    }
    return true;
  }

  meta(): RunMeta | null {
    const r = this.sql.exec<RunRow>("SELECT * FROM run LIMIT 1").toArray()[0];
    if (!r) return null;
    return {
      id: r.id, ownerId: r.owner_id, requestedBy: r.requested_by, target: JSON.parse(r.target) as FleetTarget, job: JSON.parse(r.job) as MemberJob,
      concurrency: r.concurrency, scheduleId: r.schedule_id, cancelled: r.cancelled === 1, createdAt: r.created_at, endedAt: r.ended_at,
    };
  }

  /** The next queued members, in order, at most `limit`. */
  nextQueued(limit: number): QueuedMember[] {
    if (limit <= 0) return [];
    return this.sql
      .exec<Pick<MemberRow, "ord" | "instance_id" | "owner_id" | "name">>("SELECT ord, instance_id, owner_id, name FROM members WHERE state = 'queued' ORDER BY ord LIMIT ?", limit)
      .toArray()
      .map((m) => ({ ord: m.ord, instanceId: m.instance_id, ownerId: m.owner_id, name: m.name }));
  }

  /** Members stored as running (after a restart: those whose call was lost with the old object). */
  running(): QueuedMember[] {
    return this.sql
      .exec<Pick<MemberRow, "ord" | "instance_id" | "owner_id" | "name">>("SELECT ord, instance_id, owner_id, name FROM members WHERE state = 'running' ORDER BY ord")
      .toArray()
      .map((m) => ({ ord: m.ord, instanceId: m.instance_id, ownerId: m.owner_id, name: m.name }));
  }

  /** The owner of a member's instance (null for one the target named but nobody could see). */
  ownerOf(instanceId: string): string | null {
    return this.sql.exec<{ owner_id: string | null }>("SELECT owner_id FROM members WHERE instance_id = ?", instanceId).toArray()[0]?.owner_id ?? null;
  }

  markRunning(ord: number, now: string): RunResult {
    return toResult(this.sql.exec<MemberRow>("UPDATE members SET state = 'running', started_at = ? WHERE ord = ? RETURNING *", now, ord).one());
  }

  /** A member's end; a member already ended keeps its first end. */
  finish(ord: number, o: MemberOutcome, now: string): RunResult | null {
    const row = this.sql
      .exec<MemberRow>(
        "UPDATE members SET state = ?, exit_code = ?, output = ?, error = ?, ended_at = ? WHERE ord = ? AND state IN ('queued', 'running') RETURNING *",
        o.state, o.exitCode, o.output, o.error ?? null, now, ord,
      )
      .toArray()[0];
    return row ? toResult(row) : null;
  }

  /** Cancels the queued members; answers them as they are now. */
  cancelQueued(now: string): RunResult[] {
    this.sql.exec("UPDATE run SET cancelled = 1");
    return this.sql.exec<MemberRow>("UPDATE members SET state = 'error', error = 'cancelled', ended_at = ? WHERE state = 'queued' RETURNING *", now).toArray().map(toResult);
  }

  counts(): Partial<Record<RunMemberState, number>> {
    const out: Partial<Record<RunMemberState, number>> = {};
    for (const r of this.sql.exec<{ state: RunMemberState; n: number }>("SELECT state, COUNT(*) AS n FROM members GROUP BY state")) out[r.state] = r.n;
    return out;
  }

  /** True when no member is queued or running. */
  settled(): boolean {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members WHERE state IN ('queued', 'running')").one().n === 0;
  }

  markEnded(now: string): void {
    this.sql.exec("UPDATE run SET ended_at = ? WHERE ended_at IS NULL", now);
  }

  view(): (RunView & { ownerId: string; memberOwners: Record<string, string | null> }) | null {
    const meta = this.meta();
    if (!meta) return null;
    const rows = this.sql.exec<MemberRow>("SELECT * FROM members ORDER BY ord").toArray();
    const counts = Object.fromEntries(["queued", "running", "success", "error", "offline", "timeout"].map((s) => [s, 0])) as Record<RunMemberState, number>;
    for (const r of rows) counts[r.state]++;
    return {
      id: meta.id, state: meta.endedAt ? "done" : "running", target: meta.target, ...jobLabel(meta.job), concurrency: meta.concurrency,
      timeoutSeconds: meta.job.timeoutSeconds, scheduleId: meta.scheduleId, cancelled: meta.cancelled, created_at: meta.createdAt, ended_at: meta.endedAt,
      counts, results: rows.map(toResult), ownerId: meta.ownerId, memberOwners: Object.fromEntries(rows.map((r) => [r.instance_id, r.owner_id])),
    };
  }
}
