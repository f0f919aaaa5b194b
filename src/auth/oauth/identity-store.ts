import { and, asc, eq, sql } from "drizzle-orm";
import type { Identity, OAuthProviderId } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { identities, type IdentityRow } from "../../../core/db/schema.ts";
import { nowIso, randomToken } from "../../../core/ids.ts";
import type { ProviderProfile } from "./provider-contract.ts";

export const newIdentityId = () => `idn_${randomToken(12)}`;

/** The identity row linking `profile` (of `provider`) to `userId`, not yet inserted. */
export function newIdentityRow(userId: string, provider: OAuthProviderId, profile: ProviderProfile, now = Date.now()): IdentityRow {
  return {
    id: newIdentityId(),
    userId,
    provider,
    providerUserId: profile.subject,
    email: profile.email,
    emailVerified: profile.emailVerified,
    createdAt: nowIso(now),
    lastUsedAt: nowIso(now),
  };
}

/** The identity of this provider's subject, whoever it belongs to. */
export async function findIdentity(db: Db, provider: OAuthProviderId, subject: string): Promise<IdentityRow | undefined> {
  return db.select().from(identities).where(and(eq(identities.provider, provider), eq(identities.providerUserId, subject))).get();
}

/** The user's identity of this provider, if any (one per provider: unlinking names the provider). */
export async function findUserIdentity(db: Db, userId: string, provider: OAuthProviderId): Promise<IdentityRow | undefined> {
  return db.select().from(identities).where(and(eq(identities.userId, userId), eq(identities.provider, provider))).get();
}

/** Records a sign-in through an identity, with what the provider now says about the email. */
export async function touchIdentity(db: Db, id: string, profile: ProviderProfile, now = Date.now()): Promise<void> {
  await db.update(identities).set({ email: profile.email, emailVerified: profile.emailVerified, lastUsedAt: nowIso(now) }).where(eq(identities.id, id));
}

export async function listIdentities(db: Db, userId: string): Promise<IdentityRow[]> {
  return db.select().from(identities).where(eq(identities.userId, userId)).orderBy(asc(identities.createdAt)).all();
}

export function toIdentityView(row: IdentityRow): Identity {
  return {
    id: row.id,
    provider: row.provider as OAuthProviderId,
    email: row.email,
    email_verified: row.emailVerified,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
  };
}

/**
 * Removes the user's identity of `provider` unless it is their last way to sign in (password,
 * passkeys, identities). One statement, so two unlinks racing each other cannot both pass the
 * count and leave the account with no way in.
 */
export async function unlinkIdentity(db: Db, userId: string, provider: OAuthProviderId): Promise<"unlinked" | "not-found" | "last-method"> {
  const existing = await findUserIdentity(db, userId, provider);
  if (!existing) return "not-found";
  const [removed] = await db
    .delete(identities)
    .where(
      and(
        eq(identities.id, existing.id),
        sql`(SELECT count(*) FROM identities WHERE user_id = ${userId})
          + (SELECT count(*) FROM passkeys WHERE user_id = ${userId})
          + (SELECT count(*) FROM users WHERE id = ${userId} AND password_hash IS NOT NULL) > 1`,
      ),
    )
    .returning({ id: identities.id });
  if (removed) return "unlinked";
  // Gone already (a concurrent unlink of the same identity) is not a refusal.
  return (await findUserIdentity(db, userId, provider)) ? "last-method" : "not-found";
}
