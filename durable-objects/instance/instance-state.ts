import type { HealthPoint, LogLine, MetricSeries, MetricsPlan, SystemStats } from "@anchorage/common";
import type { ActionRecord } from "../../core/rpc/instance-rpc.ts";
import { MetricStore } from "./metric-store.ts";

/** The last 2,000 log lines; the last 100 actions. (Metric retention: common/src/metrics.ts.) */
export const LOG_RING = 2000;
export const ACTION_HISTORY = 100;
export const CHALLENGE_TTL_MS = 60_000;

export type { HealthPoint };

/**
 * The InstanceDO's own SQLite storage (DESIGN.md storage map: per-instance live state).
 * Plain methods over `ctx.storage.sql`, so everything survives eviction and hibernation.
 */
export class InstanceState {
  readonly sql: SqlStorage;
  /** Heartbeats' samples (24 h) and five-minute buckets (30 days). */
  readonly metrics: MetricStore;
  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, source TEXT NOT NULL, line TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS actions (id TEXT PRIMARY KEY, command TEXT NOT NULL, requested_by TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
        status TEXT NOT NULL, exit_code INTEGER, duration_ms INTEGER, output_tail TEXT NOT NULL DEFAULT '', error TEXT);
      CREATE TABLE IF NOT EXISTS challenges (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
    `);
    this.metrics = new MetricStore(sql);
  }

  getMeta<T>(key: string): T | undefined {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setMeta(key: string, value: unknown): void {
    if (value === undefined) this.sql.exec("DELETE FROM meta WHERE key = ?", key);
    else this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, JSON.stringify(value));
  }

  /** One heartbeat into the metric history (its sample, its bucket), pruning a bounded batch of what expired. */
  recordHealth(stats: SystemStats, now = Date.now()): void {
    this.metrics.record(stats, now);
  }

  /** 1-minute means since `sinceMinute` (`GET …/health`), from the raw samples. */
  healthHistory(sinceMinute = 0): HealthPoint[] {
    return this.metrics.minutes(sinceMinute);
  }

  metricSeries(plan: MetricsPlan): MetricSeries {
    return this.metrics.series(plan);
  }

  /** Appends lines to the ring and returns them with their sequence numbers. */
  appendLogs(lines: LogLine[]): (LogLine & { seq: number })[] {
    const out: (LogLine & { seq: number })[] = [];
    for (const l of lines) {
      const row = this.sql.exec<{ seq: number }>("INSERT INTO logs (at, source, line) VALUES (?, ?, ?) RETURNING seq", l.at, l.source, l.line).one();
      out.push({ ...l, seq: row.seq });
    }
    this.sql.exec("DELETE FROM logs WHERE seq <= (SELECT max(seq) FROM logs) - ?", LOG_RING);
    return out;
  }

  logsSince(seq: number, limit: number): (LogLine & { seq: number })[] {
    return this.sql.exec<LogLine & { seq: number }>("SELECT seq, at, source, line FROM logs WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit).toArray();
  }

  /** The newest `limit` lines, oldest first. */
  logsTail(limit: number): (LogLine & { seq: number })[] {
    return this.sql
      .exec<LogLine & { seq: number }>("SELECT * FROM (SELECT seq, at, source, line FROM logs ORDER BY seq DESC LIMIT ?) ORDER BY seq", limit)
      .toArray();
  }

  startAction(a: Pick<ActionRecord, "id" | "command" | "requested_by" | "started_at">): void {
    this.sql.exec("INSERT INTO actions (id, command, requested_by, started_at, status) VALUES (?, ?, ?, ?, 'running')", a.id, a.command, a.requested_by, a.started_at);
    this.sql.exec("DELETE FROM actions WHERE id NOT IN (SELECT id FROM actions ORDER BY started_at DESC LIMIT ?)", ACTION_HISTORY);
  }

  finishAction(id: string, f: Pick<ActionRecord, "status" | "exit_code" | "duration_ms" | "output_tail" | "error">): ActionRecord {
    this.sql.exec(
      "UPDATE actions SET finished_at = ?, status = ?, exit_code = ?, duration_ms = ?, output_tail = ?, error = ? WHERE id = ?",
      new Date().toISOString(), f.status, f.exit_code, f.duration_ms, f.output_tail, f.error, id,
    );
    return this.sql.exec<ActionRecord>("SELECT * FROM actions WHERE id = ?", id).one();
  }

  recentActions(limit = 50): ActionRecord[] {
    return this.sql.exec<ActionRecord>("SELECT * FROM actions ORDER BY started_at DESC LIMIT ?", limit).toArray();
  }

  addChallenge(nonce: string, now = Date.now()): void {
    this.sql.exec("DELETE FROM challenges WHERE expires_at <= ?", now);
    this.sql.exec("INSERT INTO challenges (nonce, expires_at) VALUES (?, ?)", nonce, now + CHALLENGE_TTL_MS);
  }

  /** Single use: the row is deleted as it is checked. */
  consumeChallenge(nonce: string, now = Date.now()): boolean {
    const row = this.sql.exec<{ expires_at: number }>("DELETE FROM challenges WHERE nonce = ? RETURNING expires_at", nonce).toArray()[0];
    return row !== undefined && row.expires_at > now;
  }
}
