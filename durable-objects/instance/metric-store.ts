import {
  BUCKET_MS, BUCKET_RETENTION_MS, METRIC_SERIES, RAW_RETENTION_MS,
  type HealthPoint, type MetricSeries, type MetricsPlan, type SystemStats,
} from "@anchorage/common";

/** Rows pruned per write at most, so a write after a long silence stays a small one (the rest go with the next writes). */
export const PRUNE_BATCH = 200;
/** Raw samples kept at most, whatever the agent sends: 24 h at one a second (heartbeats come every 5 s). */
export const MAX_RAW_SAMPLES = 24 * 60 * 60;

/**
 * An instance's metric history in its object's SQLite storage: every heartbeat as a raw sample
 * (kept 24 h), folded as it arrives into its five-minute bucket (sums and counts, so means stay
 * exact when buckets are merged; the highest cpu; kept 30 days). Each write prunes a bounded batch
 * of what has expired. `now` is a parameter so tests can write at any time.
 */
export class MetricStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS metric_samples (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, cpu REAL NOT NULL, mem_used REAL NOT NULL, mem_total REAL NOT NULL,
        disk_used REAL NOT NULL, disk_total REAL NOT NULL, load1 REAL NOT NULL, net_rx REAL, net_tx REAL);
      CREATE INDEX IF NOT EXISTS metric_samples_at ON metric_samples (at);
      CREATE TABLE IF NOT EXISTS metric_buckets (bucket INTEGER PRIMARY KEY, samples INTEGER NOT NULL, cpu_sum REAL NOT NULL, cpu_max REAL NOT NULL,
        mem_sum REAL NOT NULL, mem_n INTEGER NOT NULL, disk_sum REAL NOT NULL, disk_n INTEGER NOT NULL, rx_sum REAL NOT NULL, tx_sum REAL NOT NULL, net_n INTEGER NOT NULL);
    `);
    this.adoptMinuteHistory();
  }

  /** One heartbeat: its raw sample, its bucket, and a bounded prune. */
  record(stats: SystemStats, now: number): void {
    this.insert(now, stats, 1);
    this.prune(now);
  }

  private insert(at: number, s: SystemStats, weight: number) {
    const at_ = Math.floor(at);
    this.sql.exec(
      "INSERT INTO metric_samples (at, cpu, mem_used, mem_total, disk_used, disk_total, load1, net_rx, net_tx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      at_, s.cpu, s.memory.used, s.memory.total, s.disk.used, s.disk.total, s.load[0] ?? 0, s.net?.rx ?? null, s.net?.tx ?? null,
    );
    const mem = percent(s.memory.used, s.memory.total);
    const disk = percent(s.disk.used, s.disk.total);
    // Sums weighted by the number of samples (the minutes adopted from the old table carry theirs).
    this.sql.exec(
      `INSERT INTO metric_buckets (bucket, samples, cpu_sum, cpu_max, mem_sum, mem_n, disk_sum, disk_n, rx_sum, tx_sum, net_n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(bucket) DO UPDATE SET samples = samples + excluded.samples, cpu_sum = cpu_sum + excluded.cpu_sum, cpu_max = max(cpu_max, excluded.cpu_max),
         mem_sum = mem_sum + excluded.mem_sum, mem_n = mem_n + excluded.mem_n, disk_sum = disk_sum + excluded.disk_sum, disk_n = disk_n + excluded.disk_n,
         rx_sum = rx_sum + excluded.rx_sum, tx_sum = tx_sum + excluded.tx_sum, net_n = net_n + excluded.net_n`,
      Math.floor(at_ / BUCKET_MS), weight, s.cpu * weight, s.cpu,
      (mem ?? 0) * weight, mem === undefined ? 0 : weight, (disk ?? 0) * weight, disk === undefined ? 0 : weight,
      (s.net?.rx ?? 0) * weight, (s.net?.tx ?? 0) * weight, s.net ? weight : 0,
    );
  }

  /** Drops at most PRUNE_BATCH expired rows of each table (and raw samples beyond MAX_RAW_SAMPLES). */
  prune(now: number): void {
    this.sql.exec("DELETE FROM metric_samples WHERE id IN (SELECT id FROM metric_samples WHERE at <= ? ORDER BY at LIMIT ?)", Math.floor(now - RAW_RETENTION_MS), PRUNE_BATCH);
    this.sql.exec("DELETE FROM metric_samples WHERE id IN (SELECT id FROM metric_samples WHERE id <= (SELECT max(id) FROM metric_samples) - ? ORDER BY id LIMIT ?)", MAX_RAW_SAMPLES, PRUNE_BATCH);
    this.sql.exec("DELETE FROM metric_buckets WHERE bucket IN (SELECT bucket FROM metric_buckets WHERE bucket < ? ORDER BY bucket LIMIT ?)", Math.floor((now - BUCKET_RETENTION_MS) / BUCKET_MS), PRUNE_BATCH);
  }

  /** The series of a checked plan: each point the mean of its step (cpu_max the highest), at the step's start. */
  series(plan: MetricsPlan): MetricSeries {
    const stepMs = plan.step * 1000;
    // Written into the SQL (a bound number may arrive as a REAL, and integer division needs integers).
    if (!Number.isInteger(stepMs) || stepMs <= 0) throw new Error(`step must be whole seconds, got ${plan.step}`);
    const rows =
      plan.resolution === "raw"
        ? this.sql.exec<Row>(
            `SELECT (at / ${stepMs}) * ${stepMs} AS t, avg(cpu) AS cpu, max(cpu) AS cpu_max,
               avg(CASE WHEN mem_total > 0 THEN min(100.0, 100.0 * mem_used / mem_total) END) AS memory,
               avg(CASE WHEN disk_total > 0 THEN min(100.0, 100.0 * disk_used / disk_total) END) AS disk,
               avg(net_rx) AS net_rx, avg(net_tx) AS net_tx
             FROM metric_samples WHERE at >= ? AND at < ? GROUP BY t ORDER BY t`,
            Math.floor(plan.from), Math.ceil(plan.to),
          )
        : this.sql.exec<Row>(
            `SELECT (bucket * ${BUCKET_MS} / ${stepMs}) * ${stepMs} AS t, sum(cpu_sum) / sum(samples) AS cpu, max(cpu_max) AS cpu_max,
               sum(mem_sum) / nullif(sum(mem_n), 0) AS memory, sum(disk_sum) / nullif(sum(disk_n), 0) AS disk,
               sum(rx_sum) / nullif(sum(net_n), 0) AS net_rx, sum(tx_sum) / nullif(sum(net_n), 0) AS net_tx
             FROM metric_buckets WHERE bucket >= ? AND bucket * ${BUCKET_MS} < ? GROUP BY t ORDER BY t`,
            Math.floor(plan.from / BUCKET_MS), Math.ceil(plan.to),
          );
    const out = Object.fromEntries(METRIC_SERIES.map((n) => [n, [] as [number, number][]])) as MetricSeries;
    for (const r of rows) {
      for (const n of METRIC_SERIES) {
        const v = r[n];
        if (v !== null) out[n].push([r.t, round(v)]);
      }
    }
    return out;
  }

  /** `GET …/health`: the raw samples of each minute since `sinceMinute`, as means (totals too: they rarely move). */
  minutes(sinceMinute: number): HealthPoint[] {
    return this.sql
      .exec<HealthPoint>(
        `SELECT at / 60000 AS minute, avg(cpu) AS cpu, avg(mem_used) AS mem_used, avg(mem_total) AS mem_total, avg(disk_used) AS disk_used,
           avg(disk_total) AS disk_total, avg(load1) AS load1, count(*) AS samples
         FROM metric_samples WHERE at >= ? GROUP BY minute ORDER BY minute`,
        Math.floor(sinceMinute) * 60_000,
      )
      .toArray();
  }

  /**
   * Objects from before the metric history kept 1-minute means in a `health` table: each minute
   * becomes one raw sample (at its start) and goes into its bucket with its sample count, then the
   * table goes. Runs once per object; a no-op afterwards (one look at the schema).
   */
  private adoptMinuteHistory() {
    const old = this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'health'").toArray();
    if (!old.length) return;
    for (const p of this.sql.exec<HealthPoint>("SELECT * FROM health ORDER BY minute").toArray()) {
      const stats: SystemStats = { cpu: p.cpu, memory: { used: p.mem_used, total: p.mem_total }, disk: { used: p.disk_used, total: p.disk_total }, load: [p.load1, 0, 0], uptime: 0 };
      this.insert(p.minute * 60_000, stats, Math.max(1, p.samples));
    }
    this.sql.exec("DROP TABLE health");
  }
}

type Row = { t: number } & Record<(typeof METRIC_SERIES)[number], number | null>;

const percent = (used: number, total: number) => (total > 0 ? Math.min(100, Math.max(0, (100 * used) / total)) : undefined);
const round = (v: number) => Math.round(v * 100) / 100;
