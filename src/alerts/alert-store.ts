import { and, desc, eq, lt, or } from "drizzle-orm";
import type { AlertCondition, FleetTarget } from "@anchorage/common";
import type { Db } from "../../core/db/client.ts";
import { alertHistory, alertInstances, alerts, type AlertHistoryRow, type AlertRow, type StoredAlertChannel } from "../../core/db/schema.ts";
import { nowIso, randomToken } from "../../core/ids.ts";
import type { AlertConfig } from "../../core/rpc/alert-rpc.ts";

export const newAlertId = () => `alr_${randomToken(12)}`;
export const newHistoryId = () => `ahe_${randomToken(12)}`;

/** An alert's target as the API gave it: its tag, or its list (kept in alert_instances). */
export type AlertWithTarget = AlertRow & { target: FleetTarget };

export async function createAlert(db: Db, ownerId: string, a: { name: string; target: FleetTarget; condition: AlertCondition; channels: StoredAlertChannel[]; enabled: boolean }): Promise<AlertWithTarget> {
  const now = nowIso();
  const row: AlertRow = {
    id: newAlertId(), ownerId, name: a.name, targetTag: "tag" in a.target ? a.target.tag : null,
    conditionKind: "offline" in a.condition ? "offline" : "metric", condition: a.condition, channels: a.channels,
    enabled: a.enabled, createdAt: now, updatedAt: now,
  };
  const ids = "instanceIds" in a.target ? [...new Set(a.target.instanceIds)] : [];
  const inserts = [];
  // D1 binds at most 100 parameters per statement: 45 rows of two.
  for (let i = 0; i < ids.length; i += 45) inserts.push(db.insert(alertInstances).values(ids.slice(i, i + 45).map((instanceId) => ({ alertId: row.id, instanceId }))));
  await db.batch([db.insert(alerts).values(row), ...inserts]);
  return { ...row, target: a.target };
}

async function withTargets(db: Db, rows: AlertRow[]): Promise<AlertWithTarget[]> {
  const listed = rows.filter((r) => r.targetTag === null);
  const byAlert = new Map<string, string[]>();
  for (const r of listed) {
    const ids = await db.select({ id: alertInstances.instanceId }).from(alertInstances).where(eq(alertInstances.alertId, r.id)).all();
    byAlert.set(r.id, ids.map((x) => x.id));
  }
  return rows.map((r) => ({ ...r, target: r.targetTag !== null ? { tag: r.targetTag } : { instanceIds: byAlert.get(r.id) ?? [] } }));
}

export async function alertsOf(db: Db, ownerId: string): Promise<AlertWithTarget[]> {
  return withTargets(db, await db.select().from(alerts).where(eq(alerts.ownerId, ownerId)).orderBy(alerts.createdAt).all());
}

export async function countAlertsOf(db: Db, ownerId: string): Promise<number> {
  return (await db.select({ id: alerts.id }).from(alerts).where(eq(alerts.ownerId, ownerId)).all()).length;
}

/** The owner's alert (another's is not found). */
export async function findAlert(db: Db, ownerId: string, id: string): Promise<AlertWithTarget | undefined> {
  const row = await db.select().from(alerts).where(and(eq(alerts.id, id), eq(alerts.ownerId, ownerId))).get();
  return row ? (await withTargets(db, [row]))[0] : undefined;
}

export async function alertExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: alerts.id }).from(alerts).where(eq(alerts.id, id)).get()) !== undefined;
}

export async function setAlertEnabled(db: Db, ownerId: string, id: string, enabled: boolean): Promise<boolean> {
  const res = await db.update(alerts).set({ enabled, updatedAt: nowIso() }).where(and(eq(alerts.id, id), eq(alerts.ownerId, ownerId))).returning({ id: alerts.id }).all();
  return res.length > 0;
}

/** Deletes the owner's alert with its history (cascade); whether it was there. */
export async function deleteAlert(db: Db, ownerId: string, id: string): Promise<boolean> {
  const res = await db.delete(alerts).where(and(eq(alerts.id, id), eq(alerts.ownerId, ownerId))).returning({ id: alerts.id }).all();
  return res.length > 0;
}

export const toAlertConfig = (a: AlertWithTarget): AlertConfig => ({
  id: a.id, ownerId: a.ownerId, name: a.name, target: a.target, condition: a.condition, channels: a.channels, enabled: a.enabled,
});

export type HistoryCursor = { at: string; id: string };

/** One page of the owner's alert's history, newest first. */
export async function historyOf(db: Db, ownerId: string, alertId: string, limit: number, before?: HistoryCursor): Promise<AlertHistoryRow[]> {
  const scope = and(eq(alertHistory.alertId, alertId), eq(alertHistory.ownerId, ownerId));
  const where = before ? and(scope, or(lt(alertHistory.at, before.at), and(eq(alertHistory.at, before.at), lt(alertHistory.id, before.id)))) : scope;
  return db.select().from(alertHistory).where(where).orderBy(desc(alertHistory.at), desc(alertHistory.id)).limit(limit).all();
}

export type NewHistoryEntry = Omit<AlertHistoryRow, "id" | "at"> & { id?: string; at?: string };

/** Appends to an alert's history (a deleted alert's entries are refused by its foreign key and dropped). */
export async function recordHistory(db: Db, entries: NewHistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({ ...e, id: e.id ?? newHistoryId(), at: e.at ?? nowIso() }));
  // 11 columns a row: 9 rows to a statement stay under D1's 100 bound parameters.
  const stmts = [];
  for (let i = 0; i < rows.length; i += 9) stmts.push(db.insert(alertHistory).values(rows.slice(i, i + 9)));
  try {
    await db.batch(stmts as [typeof stmts[0], ...typeof stmts]);
  } catch (e) {
    if (!/FOREIGN KEY/i.test((e as Error).message)) throw e;
  }
}
