import { and, eq, isNull, sql } from "drizzle-orm";
import type { Role, User } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { users, type UserRow } from "../db/schema.ts";
import { newId, nowIso } from "../ids.ts";
import { AppError } from "../app-error.ts";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The user as the API shows it: never the password hash. */
export function toPublicUser(row: Omit<UserRow, "passwordHash">): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles,
    disabled: row.disabledAt !== null,
    email_verified: row.emailVerifiedAt !== null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.emailNormalized, normalizeEmail(email))).get();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

/** A new user row; `createUser` inserts it. */
export function newUserRow(input: { email: string; name?: string; passwordHash: string | null; roles: Role[]; emailVerified?: boolean }): UserRow {
  const now = nowIso();
  return {
    id: newId("usr"),
    email: input.email.trim(),
    emailNormalized: normalizeEmail(input.email),
    name: input.name ?? input.email.trim().split("@")[0]!,
    roles: [...new Set(input.roles)],
    passwordHash: input.passwordHash,
    emailVerifiedAt: input.emailVerified ? now : null,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The person showed they receive mail at `email` (they opened a link sent there, or a provider
 * vouches for it): when it is the account's address, the account's email counts as verified from
 * now on. An address other than the account's proves nothing about it.
 */
export async function markEmailVerified(db: Db, user: Pick<UserRow, "id" | "emailNormalized" | "emailVerifiedAt">, email: string): Promise<boolean> {
  if (user.emailVerifiedAt || normalizeEmail(email) !== user.emailNormalized) return false;
  const changed = await db.update(users).set({ emailVerifiedAt: nowIso() }).where(and(eq(users.id, user.id), isNull(users.emailVerifiedAt))).returning({ id: users.id });
  return changed.length > 0;
}

/**
 * Inserts a user. A taken email is a 409 (the unique index decides, so two
 * concurrent registrations of one email cannot both succeed). With `gate`, the
 * insert runs in one D1 transaction after the gate statement (consuming an invite)
 * and only if the gate marked a row for this user: both happen or neither does.
 */
export async function createUser(db: Db, row: UserRow, gate?: { d1: D1Database; statement: D1PreparedStatement; table: "invites" }): Promise<UserRow> {
  try {
    if (!gate) {
      await db.insert(users).values(row);
      return row;
    }
    const [, inserted] = await gate.d1.batch([
      gate.statement,
      gate.d1
        .prepare(
          `INSERT INTO users (id, email, email_normalized, name, roles, password_hash, disabled_at, created_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7 WHERE EXISTS (SELECT 1 FROM ${gate.table} WHERE used_by = ?1)`,
        )
        .bind(row.id, row.email, row.emailNormalized, row.name, JSON.stringify(row.roles), row.passwordHash, row.createdAt),
    ]);
    if (!inserted?.meta.changes) throw new AppError("E-AUTH-FORBID", "invite code is invalid, used, expired, or for another email");
    return row;
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("E-CONFLICT", "an account with this email already exists");
    throw e;
  }
}

export function isUniqueViolation(e: unknown): boolean {
  const text = `${(e as Error)?.message ?? ""} ${String((e as { cause?: unknown })?.cause ?? "")}`;
  return /UNIQUE constraint failed/i.test(text);
}

/** Active admins other than `exceptId`: an instance must never lose its last admin. */
export async function countOtherActiveAdmins(db: Db, exceptId: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(users)
    .where(
      and(
        isNull(users.disabledAt),
        sql`exists (select 1 from json_each(${users.roles}) where value = 'admin')`,
        sql`${users.id} <> ${exceptId}`,
      ),
    )
    .get();
  return row?.n ?? 0;
}
