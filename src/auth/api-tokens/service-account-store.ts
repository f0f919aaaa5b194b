import { and, desc, eq, sql } from "drizzle-orm";
import type { ScopeGrant } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { serviceAccounts, type ServiceAccountRow } from "../../../core/db/schema.ts";
import { nowIso, randomToken } from "../../../core/ids.ts";
import { forgetTokens } from "../principal-cache/forget.ts";
import { liveTokenHashes } from "./api-token-store.ts";

export async function createServiceAccount(db: Db, ownerId: string, a: { name: string; description: string; scopes: ScopeGrant[] }): Promise<ServiceAccountRow> {
  const now = nowIso();
  const [row] = await db.insert(serviceAccounts).values({ id: `sa_${randomToken(12)}`, ownerId, ...a, version: 1, createdAt: now, updatedAt: now }).returning();
  return row!;
}

export async function serviceAccountsOf(db: Db, ownerId: string): Promise<ServiceAccountRow[]> {
  return db.select().from(serviceAccounts).where(eq(serviceAccounts.ownerId, ownerId)).orderBy(desc(serviceAccounts.createdAt)).all();
}

/** One of the owner's accounts; another owner's is as absent as a missing one. */
export async function findServiceAccount(db: Db, ownerId: string, id: string): Promise<ServiceAccountRow | undefined> {
  return db.select().from(serviceAccounts).where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.ownerId, ownerId))).get();
}

/**
 * New scopes and a new version, in one statement: every token of the account follows from its
 * next request (this location forgets their copies at once: principal-cache/forget.ts).
 */
export async function setServiceAccountScopes(db: Db, ownerId: string, id: string, scopes: ScopeGrant[]): Promise<ServiceAccountRow | undefined> {
  const [row] = await db
    .update(serviceAccounts)
    .set({ scopes, version: sql`${serviceAccounts.version} + 1`, updatedAt: nowIso() })
    .where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.ownerId, ownerId)))
    .returning();
  if (row) await forgetTokens(db, await liveTokenHashes(db, { serviceAccountId: id }));
  return row;
}

/** Deletes the account; its tokens go with it (ON DELETE CASCADE), and so do their copies here. */
export async function deleteServiceAccount(db: Db, ownerId: string, id: string): Promise<ServiceAccountRow | undefined> {
  // Read before the delete: the cascade takes the rows that name the hashes.
  const hashes = await liveTokenHashes(db, { serviceAccountId: id });
  const [row] = await db.delete(serviceAccounts).where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.ownerId, ownerId))).returning();
  if (row) await forgetTokens(db, hashes);
  return row;
}

/** Any owner's account: for service-to-service lookups only, never for a user's request. */
export async function findServiceAccountById(db: Db, id: string): Promise<ServiceAccountRow | undefined> {
  return db.select().from(serviceAccounts).where(eq(serviceAccounts.id, id)).get();
}
