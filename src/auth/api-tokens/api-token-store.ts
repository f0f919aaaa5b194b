import { and, desc, eq, isNull } from "drizzle-orm";
import type { ScopeGrant } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { apiTokens, serviceAccounts, users, type ApiTokenRow, type ServiceAccountRow, type UserRow } from "../../../core/db/schema.ts";
import { nowIso, randomToken, sha256Hex } from "../../../core/ids.ts";
import { forgetTokens } from "../principal-cache/forget.ts";

/** Every API token starts so: a secret scanner can recognise it, and `authenticate` tells it from a JWT. */
export const API_TOKEN_PREFIX = "anc_";

/** last_used_at is written at most this often per token, so a busy script does not write D1 on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const isApiToken = (token: string) => token.startsWith(API_TOKEN_PREFIX);

export type NewApiToken = {
  userId: string;
  serviceAccountId: string | null;
  name: string;
  scopes: ScopeGrant[] | null;
  expiresAt: string | null;
};

/** Creates a token; the secret is returned here once and only its SHA-256 is stored. */
export async function issueApiToken(db: Db, t: NewApiToken): Promise<{ token: string; row: ApiTokenRow }> {
  const token = API_TOKEN_PREFIX + randomToken(32);
  const [row] = await db
    .insert(apiTokens)
    .values({ id: `tok_${randomToken(12)}`, tokenHash: await sha256Hex(token), ...t, createdAt: nowIso() })
    .returning();
  return { token, row: row! };
}

export type LiveApiToken = { token: ApiTokenRow; user: UserRow; serviceAccount: ServiceAccountRow | null; scopes: ScopeGrant[] };

/** Why a token found by its hash does not work now, or null when it does. */
export function deadReason(t: { token: Pick<ApiTokenRow, "revokedAt" | "expiresAt">; user: Pick<UserRow, "disabledAt"> }, now = Date.now()): string | null {
  if (t.token.revokedAt) return "API token has been revoked";
  if (t.token.expiresAt && Date.parse(t.token.expiresAt) <= now) return "API token has expired";
  if (t.user.disabledAt) return "account is disabled";
  return null;
}

/** The token, its user and (for a service account's token) the account, by the token's secret. */
export async function findApiToken(db: Db, secret: string): Promise<LiveApiToken | null> {
  return findApiTokenByHash(db, await sha256Hex(secret));
}

export async function findApiTokenByHash(db: Db, tokenHash: string): Promise<LiveApiToken | null> {
  return findBy(db, eq(apiTokens.tokenHash, tokenHash));
}

export async function findApiTokenById(db: Db, id: string): Promise<LiveApiToken | null> {
  return findBy(db, eq(apiTokens.id, id));
}

async function findBy(db: Db, where: ReturnType<typeof eq>): Promise<LiveApiToken | null> {
  const row = await db
    .select({ token: apiTokens, user: users, serviceAccount: serviceAccounts })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(serviceAccounts, eq(serviceAccounts.id, apiTokens.serviceAccountId))
    .where(where)
    .get();
  if (!row) return null;
  // A service account's token has no scopes of its own: it follows the account's, as they are now.
  const scopes = row.serviceAccount ? row.serviceAccount.scopes : (row.token.scopes ?? []);
  return { ...row, scopes };
}

/** Records use, coarsely (see LAST_USED_RESOLUTION_MS). */
export async function touchApiToken(db: Db, token: Pick<ApiTokenRow, "id" | "lastUsedAt">, now = Date.now()): Promise<void> {
  if (token.lastUsedAt && now - Date.parse(token.lastUsedAt) < LAST_USED_RESOLUTION_MS) return;
  await db.update(apiTokens).set({ lastUsedAt: nowIso(now) }).where(eq(apiTokens.id, token.id));
}

/** A user's own tokens (not their service accounts'), newest first. */
export async function tokensOf(db: Db, userId: string): Promise<ApiTokenRow[]> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.serviceAccountId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt))
    .all();
}

export async function tokensOfServiceAccount(db: Db, serviceAccountId: string): Promise<ApiTokenRow[]> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.serviceAccountId, serviceAccountId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt))
    .all();
}

/**
 * Revokes one of the user's tokens (their own, or one of their service accounts'); false when
 * there is none. This location forgets its copy at once (principal-cache/forget.ts).
 */
export async function revokeApiToken(db: Db, userId: string, id: string): Promise<ApiTokenRow | null> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: nowIso() })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning();
  if (row) await forgetTokens(db, [row.tokenHash]);
  return row ?? null;
}

/** The hashes of every unrevoked token that acts for the user or for one of these service accounts (to forget their copies). */
export async function liveTokenHashes(db: Db, of: { userId: string } | { serviceAccountId: string }): Promise<string[]> {
  const rows = await db
    .select({ hash: apiTokens.tokenHash })
    .from(apiTokens)
    .where(and("userId" in of ? eq(apiTokens.userId, of.userId) : eq(apiTokens.serviceAccountId, of.serviceAccountId), isNull(apiTokens.revokedAt)))
    .all();
  return rows.map((r) => r.hash);
}
