import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { webhookDeliveries, webhooks, type WebhookDeliveryRow, type WebhookRow } from "../../core/db/schema.ts";
import { nowIso, randomToken } from "../../core/ids.ts";

/** A user may keep this many webhooks: each event is one queue message per matching webhook. */
export const MAX_WEBHOOKS_PER_USER = 20;

export async function createWebhook(db: Db, ownerId: string, w: { url: string; events: string[] }): Promise<WebhookRow> {
  const now = nowIso();
  // 256 bits from the CSPRNG; the prefix makes a leaked one recognisable in a scanner.
  const secret = `whsec_${randomToken(32)}`;
  return db.insert(webhooks).values({ id: `whk_${randomToken(12)}`, ownerId, url: w.url, secret, events: w.events, enabled: true, createdAt: now, updatedAt: now }).returning().get();
}

export const webhooksOf = (db: Db, ownerId: string) => db.select().from(webhooks).where(eq(webhooks.ownerId, ownerId)).orderBy(desc(webhooks.createdAt)).all();

export async function countWebhooksOf(db: Db, ownerId: string): Promise<number> {
  const row = await db.select({ n: sql<number>`count(*)` }).from(webhooks).where(eq(webhooks.ownerId, ownerId)).get();
  return row?.n ?? 0;
}

/** One of the owner's webhooks; someone else's is not found. */
export const findWebhook = (db: Db, ownerId: string, id: string) => db.select().from(webhooks).where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId))).get();

export const deleteWebhook = (db: Db, ownerId: string, id: string) =>
  db.delete(webhooks).where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId))).returning().get();

/** A position in a newest-first list of deliveries: the last row of the previous page. */
export type DeliveryCursor = { createdAt: string; id: string };

export async function deliveriesOf(db: Db, webhookId: string, limit: number, after?: DeliveryCursor): Promise<{ rows: WebhookDeliveryRow[]; next: DeliveryCursor | null }> {
  const older = after
    ? or(lt(webhookDeliveries.createdAt, after.createdAt), and(eq(webhookDeliveries.createdAt, after.createdAt), lt(webhookDeliveries.id, after.id)))
    : undefined;
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), older))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** The enabled webhooks of these users. */
export const enabledWebhooksOf = (db: Db, ownerIds: string[]) =>
  ownerIds.length === 0 ? Promise.resolve([]) : db.select().from(webhooks).where(and(inArray(webhooks.ownerId, ownerIds), eq(webhooks.enabled, true))).all();

/**
 * One delivery row per (webhook, event), made once: a redelivered event finds the rows it made
 * before. Returns those not yet tried, new or not, so an event whose fan-out was cut off halfway
 * sends the rest next time; one delivered, dead or being retried is not sent again.
 */
export async function ensureDeliveries(db: Db, webhookIds: string[], event: { id: string; type: string }): Promise<WebhookDeliveryRow[]> {
  if (webhookIds.length === 0) return [];
  const now = nowIso();
  await db
    .insert(webhookDeliveries)
    .values(webhookIds.map((webhookId) => ({ id: `dlv_${randomToken(12)}`, webhookId, eventId: event.id, eventType: event.type, state: "pending", attempts: 0, createdAt: now, updatedAt: now })))
    .onConflictDoNothing({ target: [webhookDeliveries.webhookId, webhookDeliveries.eventId] });
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.webhookId, webhookIds), eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.state, "pending"), eq(webhookDeliveries.attempts, 0)))
    .all();
}

/** A delivery with its webhook, or undefined when either is gone (a deleted webhook takes its deliveries). */
export const findDelivery = (db: Db, id: string) =>
  db.select({ delivery: webhookDeliveries, webhook: webhooks }).from(webhookDeliveries).innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId)).where(eq(webhookDeliveries.id, id)).get();

/**
 * Counts one attempt of a pending delivery that had `before` attempts, and sets its new state.
 * False when another copy of the message counted one first (or settled it): that copy decides.
 */
export async function recordAttempt(db: Db, id: string, before: number, a: { state: "pending" | "delivered" | "dead"; status: number | null; error: string | null }): Promise<boolean> {
  const row = await db
    .update(webhookDeliveries)
    .set({ attempts: before + 1, state: a.state, lastStatus: a.status, lastError: a.error, updatedAt: nowIso() })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.state, "pending"), eq(webhookDeliveries.attempts, before)))
    .returning({ id: webhookDeliveries.id })
    .get();
  return row !== undefined;
}

/** Gives up on a delivery that is still pending; a delivered one stays delivered. */
export async function markDead(db: Db, id: string, error: string): Promise<boolean> {
  const row = await db
    .update(webhookDeliveries)
    .set({ state: "dead", lastError: error, updatedAt: nowIso() })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.state, "pending")))
    .returning({ id: webhookDeliveries.id })
    .get();
  return row !== undefined;
}
