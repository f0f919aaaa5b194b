import { and, count, eq, exists, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { totpCredentials, totpRecoveryCodes, type TotpCredentialRow } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";

/** Every query here is scoped to one account: the caller's. */

export async function findTotp(db: Db, userId: string): Promise<TotpCredentialRow | undefined> {
  return db.select().from(totpCredentials).where(eq(totpCredentials.userId, userId)).get();
}

/** The account's confirmed TOTP, or undefined (a pending enrolment protects nothing). */
export async function findConfirmedTotp(db: Db, userId: string): Promise<TotpCredentialRow | undefined> {
  return db.select().from(totpCredentials).where(and(eq(totpCredentials.userId, userId), isNotNull(totpCredentials.confirmedAt))).get();
}

export async function hasConfirmedTotp(db: Db, userId: string): Promise<boolean> {
  return (await findConfirmedTotp(db, userId)) !== undefined;
}

/**
 * Stores a pending secret, replacing a pending one; false (nothing written) when the account
 * already has confirmed TOTP. One statement, so a confirm racing a restart cannot lose the confirmed row.
 */
export async function savePendingTotp(db: Db, userId: string, secret: string, now = Date.now()): Promise<boolean> {
  const rows = await db
    .insert(totpCredentials)
    .values({ userId, secret, createdAt: nowIso(now), confirmedAt: null, lastUsedStep: null })
    .onConflictDoUpdate({ target: totpCredentials.userId, set: { secret, createdAt: nowIso(now), lastUsedStep: null }, setWhere: isNull(totpCredentials.confirmedAt) })
    .returning({ userId: totpCredentials.userId });
  return rows.length === 1;
}

/**
 * Confirms the pending secret `secret` with the code of step `step`, and stores the recovery
 * codes' hashes in place of any old ones, in one batch. False when the enrolment changed meanwhile
 * (restarted with another secret, or already confirmed): then nothing is written.
 */
export async function confirmTotp(db: Db, userId: string, secret: string, step: number, codeHashes: string[], now = Date.now()): Promise<boolean> {
  const at = nowIso(now);
  // One batch is one D1 transaction. The codes are written only when this confirm is the one that
  // took effect (the row now carries this very secret, time and step), so a losing racer changes nothing.
  const confirmedHere = and(eq(totpCredentials.userId, userId), eq(totpCredentials.secret, secret), eq(totpCredentials.confirmedAt, at), eq(totpCredentials.lastUsedStep, step));
  const [confirmed] = await db.batch([
    db
      .update(totpCredentials)
      .set({ confirmedAt: at, lastUsedStep: step })
      .where(and(eq(totpCredentials.userId, userId), eq(totpCredentials.secret, secret), isNull(totpCredentials.confirmedAt)))
      .returning({ userId: totpCredentials.userId }),
    db.delete(totpRecoveryCodes).where(and(eq(totpRecoveryCodes.userId, userId), exists(db.select({ one: sql`1` }).from(totpCredentials).where(confirmedHere)))),
    ...codeHashes.map((codeHash) =>
      db.insert(totpRecoveryCodes).select(
        db
          .select({ codeHash: sql<string>`${codeHash}`.as("code_hash"), userId: totpCredentials.userId, createdAt: sql<string>`${at}`.as("created_at"), usedAt: sql<string | null>`NULL`.as("used_at") })
          .from(totpCredentials)
          .where(confirmedHere),
      ),
    ),
  ]);
  return confirmed.length === 1;
}

/**
 * Records that the code of `step` was used: atomically, and only when `step` is later than the
 * last one used, so the same code (or an older one) is accepted at most once, even by two racing requests.
 */
export async function useTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const rows = await db
    .update(totpCredentials)
    .set({ lastUsedStep: step })
    .where(and(eq(totpCredentials.userId, userId), isNotNull(totpCredentials.confirmedAt), or(isNull(totpCredentials.lastUsedStep), lt(totpCredentials.lastUsedStep, step))))
    .returning({ userId: totpCredentials.userId });
  return rows.length === 1;
}

/** Marks an unused recovery code of this account used; false when it is not one, or was used already. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string, now = Date.now()): Promise<boolean> {
  const rows = await db
    .update(totpRecoveryCodes)
    .set({ usedAt: nowIso(now) })
    .where(and(eq(totpRecoveryCodes.codeHash, codeHash), eq(totpRecoveryCodes.userId, userId), isNull(totpRecoveryCodes.usedAt)))
    .returning({ codeHash: totpRecoveryCodes.codeHash });
  return rows.length === 1;
}

export async function countRecoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(totpRecoveryCodes)
    .where(and(eq(totpRecoveryCodes.userId, userId), isNull(totpRecoveryCodes.usedAt)))
    .get();
  return row?.n ?? 0;
}

/** Removes the account's TOTP (pending or confirmed) and its recovery codes; false when it had none. */
export async function deleteTotp(db: Db, userId: string): Promise<boolean> {
  const [removed] = await db.batch([
    db.delete(totpCredentials).where(eq(totpCredentials.userId, userId)).returning({ userId: totpCredentials.userId }),
    db.delete(totpRecoveryCodes).where(eq(totpRecoveryCodes.userId, userId)),
  ]);
  return removed.length === 1;
}
