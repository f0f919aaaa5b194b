import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { identities, passkeys, users, type PasskeyRow } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";
import { AppError } from "../../../core/app-error.ts";
import { isUniqueViolation } from "../../../core/users/users.ts";

/** A user's passkeys, oldest first. */
export async function listPasskeys(db: Db, userId: string): Promise<PasskeyRow[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id)).all();
}

export async function findPasskey(db: Db, credentialId: string): Promise<PasskeyRow | undefined> {
  return db.select().from(passkeys).where(eq(passkeys.id, credentialId)).get();
}

export async function hasPasskey(db: Db, userId: string): Promise<boolean> {
  return (await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).limit(1).get()) !== undefined;
}

/** Stores a newly registered credential; one already stored (for anyone) is a 409. */
export async function insertPasskey(db: Db, row: PasskeyRow): Promise<PasskeyRow> {
  try {
    await db.insert(passkeys).values(row);
    return row;
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("E-CONFLICT", "this passkey is already registered");
    throw e;
  }
}

/**
 * Records a successful assertion. The counter only moves forward, decided in the UPDATE itself,
 * so two assertions racing with one counter value (a cloned authenticator) cannot both land.
 * Authenticators that keep no counter send 0 every time (WebAuthn §6.1.1), which stays allowed
 * while the stored counter is 0 too. False when the stored counter was already at or past it.
 */
export async function recordPasskeyUse(db: Db, id: string, newCounter: number, backedUp: boolean, now = Date.now()): Promise<boolean> {
  const advances = newCounter === 0 ? sql`${passkeys.counter} = 0` : sql`${passkeys.counter} < ${newCounter}`;
  const updated = await db
    .update(passkeys)
    .set({ counter: newCounter, backedUp, lastUsedAt: nowIso(now) })
    .where(and(eq(passkeys.id, id), advances))
    .returning({ id: passkeys.id });
  return updated.length === 1;
}

export async function renamePasskey(db: Db, userId: string, id: string, name: string): Promise<PasskeyRow | undefined> {
  const [row] = await db.update(passkeys).set({ name }).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning();
  return row;
}

/** How a user can sign in: a password, passkeys, and linked accounts (OAuth identities). */
export async function countSignInMethods(db: Db, userId: string): Promise<{ password: boolean; passkeys: number; identities: number }> {
  const [user, keys, links] = await Promise.all([
    db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).get(),
    db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId)).get(),
    db.select({ n: count() }).from(identities).where(eq(identities.userId, userId)).get(),
  ]);
  return { password: (user?.passwordHash ?? null) !== null, passkeys: keys?.n ?? 0, identities: links?.n ?? 0 };
}

/**
 * Deletes one of a user's passkeys unless it is their last way to sign in. The rule is part of the
 * DELETE statement, so two deletions racing for a user's last two passkeys cannot both succeed.
 */
export async function deletePasskey(db: Db, userId: string, id: string): Promise<"deleted" | "not-found" | "last-method"> {
  const anotherWayIn = sql`(
    exists (select 1 from ${users} where ${users.id} = ${userId} and ${users.passwordHash} is not null)
    or exists (select 1 from ${identities} where ${identities.userId} = ${userId})
    or (select count(*) from ${passkeys} where ${passkeys.userId} = ${userId}) > 1
  )`;
  const deleted = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId), anotherWayIn))
    .returning({ id: passkeys.id });
  if (deleted.length === 1) return "deleted";
  const own = await db.select({ id: passkeys.id }).from(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).get();
  return own ? "last-method" : "not-found";
}
