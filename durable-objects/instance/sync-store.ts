import type { RelativeApply } from "@anchorage/common";
import type { ApplyPhase, PlanKind, SyncPlanPaths } from "./sync-transfer.ts";
import type { SyncOperation } from "../../core/rpc/sync-operation.ts";

/** Finished operations are kept this long (their status stays answerable), then forgotten. */
export const SYNC_RECORD_DAYS = 30;

/**
 * A source InstanceDO's syncs in its SQLite storage: each operation's record, and what is left of
 * its plan, one row a path (a plan of 100,000 paths is megabytes: too much for one value, and
 * taking a finished batch off it should not rewrite the rest). A running operation whose object
 * restarted is found here and continued.
 */
export class SyncStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS sync_operations (id TEXT PRIMARY KEY, state TEXT NOT NULL, finished_at TEXT, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sync_plan (operation TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
        PRIMARY KEY (operation, seq));
      CREATE INDEX IF NOT EXISTS sync_plan_path ON sync_plan (operation, kind, path);
    `);
    // The apply phases (folders, symlinks, metadata) keep their entry as JSON beside the path.
    if (!sql.exec("SELECT 1 FROM pragma_table_info('sync_plan') WHERE name = 'detail'").toArray().length) sql.exec("ALTER TABLE sync_plan ADD COLUMN detail TEXT");
    // Records kept as meta rows before this table existed move into it.
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray().length) {
      for (const row of sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key LIKE 'sync:%'").toArray()) {
        this.put(JSON.parse(row.value) as SyncOperation);
        sql.exec("DELETE FROM meta WHERE key = ?", row.key);
      }
    }
  }

  get(id: string): SyncOperation | undefined {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM sync_operations WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.record) as SyncOperation) : undefined;
  }

  /** Saves the record; an operation that has ended needs no plan any more. */
  put(op: SyncOperation): void {
    this.sql.exec(
      `INSERT INTO sync_operations (id, state, finished_at, record) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, record = excluded.record`,
      op.id, op.state, op.finished_at ?? null, JSON.stringify(op),
    );
    if (op.state !== "running") this.sql.exec("DELETE FROM sync_plan WHERE operation = ?", op.id);
  }

  running(): SyncOperation[] {
    return this.sql.exec<{ record: string }>("SELECT record FROM sync_operations WHERE state = 'running'").toArray().map((r) => JSON.parse(r.record) as SyncOperation);
  }

  savePlan(id: string, plan: SyncPlanPaths): void {
    let seq = 0;
    const phase = (kind: ApplyPhase, entries: readonly RelativeApply[] = []) => {
      for (const e of entries) this.sql.exec("INSERT INTO sync_plan (operation, seq, kind, path, size, detail) VALUES (?, ?, ?, ?, 0, ?)", id, seq++, kind, e.path, JSON.stringify(e));
    };
    phase("before", plan.before);
    for (const f of plan.transfer) this.sql.exec("INSERT INTO sync_plan (operation, seq, kind, path, size) VALUES (?, ?, 'transfer', ?, ?)", id, seq++, f.path, f.size);
    phase("after", plan.after);
    for (const path of plan.remove) this.sql.exec("INSERT INTO sync_plan (operation, seq, kind, path, size) VALUES (?, ?, 'remove', ?, 0)", id, seq++, path);
    phase("last", plan.last);
  }

  /** What is left to do, in the plan's order. */
  plan(id: string): SyncPlanPaths {
    const rows = this.sql.exec<{ kind: string; path: string; size: number; detail: string | null }>("SELECT kind, path, size, detail FROM sync_plan WHERE operation = ? ORDER BY seq", id).toArray();
    const phase = (kind: ApplyPhase) => rows.filter((r) => r.kind === kind && r.detail).map((r) => JSON.parse(r.detail!) as RelativeApply);
    return {
      transfer: rows.filter((r) => r.kind === "transfer").map((r) => ({ path: r.path, size: r.size })),
      remove: rows.filter((r) => r.kind === "remove").map((r) => r.path),
      before: phase("before"),
      after: phase("after"),
      last: phase("last"),
    };
  }

  planDone(id: string, kind: PlanKind, paths: readonly string[]): void {
    for (const path of paths) this.sql.exec("DELETE FROM sync_plan WHERE operation = ? AND kind = ? AND path = ?", id, kind, path);
  }

  /** Forgets operations that ended more than SYNC_RECORD_DAYS ago. */
  prune(now = Date.now()): void {
    const before = new Date(now - SYNC_RECORD_DAYS * 86_400_000).toISOString();
    this.sql.exec("DELETE FROM sync_operations WHERE state != 'running' AND finished_at < ?", before);
  }
}
