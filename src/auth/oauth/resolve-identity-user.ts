import { emailProven } from "../../users/email-verified.ts";
import type { OAuthProviderId, RegistrationMode } from "@anchorage/common";
import type { Db } from "../../../core/db/client.ts";
import { identities, users, type UserRow } from "../../../core/db/schema.ts";
import { sha256Hex } from "../../../core/ids.ts";
import { findUserByEmail, findUserById, isUniqueViolation, newUserRow } from "../../../core/users/users.ts";
import { OAuthFailure } from "./oauth-failure.ts";
import type { ProviderProfile } from "./provider-contract.ts";
import { findIdentity, findUserIdentity, newIdentityRow, touchIdentity } from "./identity-store.ts";

/** How the person came to be signed in: an identity already linked, a link made now by verified email, or a new account. */
export type IdentityOutcome = { user: UserRow; how: "identity" | "linked-by-email" | "created" };

const usable = (user: UserRow | undefined): UserRow => {
  if (!user) throw new OAuthFailure("disabled", "E-AUTH-UNAUTH", "the identity's user no longer exists");
  if (user.disabledAt !== null) throw new OAuthFailure("disabled", "E-AUTH-FORBID");
  return user;
};

/**
 * An address for an account whose provider did not vouch for an email. `.invalid` is reserved
 * (RFC 2606) so it can never reach anyone; the email column is unique and required, and an
 * unverified address must neither take over nor squat on someone's real one.
 */
export async function placeholderEmail(provider: OAuthProviderId, subject: string): Promise<string> {
  return `${provider}-${(await sha256Hex(`${provider}:${subject}`)).slice(0, 20)}@unverified.invalid`;
}

/**
 * Who a provider's sign-in is, by the linking rules:
 * 1. the identity (provider, subject) already linked: its user;
 * 2. else, only when the provider says the email is verified: the account with that email, linked now;
 * 3. else a new account (only when registration is open: invite-only and closed deployments
 *    never create an account this way), under the verified email or, without one, a placeholder.
 * An unverified email never links to an existing account: anyone can type any address at some providers.
 */
export async function resolveIdentityUser(db: Db, provider: OAuthProviderId, profile: ProviderProfile, registration: RegistrationMode): Promise<IdentityOutcome> {
  const known = await findIdentity(db, provider, profile.subject);
  if (known) {
    const user = usable(await findUserById(db, known.userId));
    await touchIdentity(db, known.id, profile);
    if (profile.emailVerified && profile.email) await emailProven(db, user, profile.email);
    return { user, how: "identity" };
  }

  if (profile.emailVerified && profile.email) {
    const owner = await findUserByEmail(db, profile.email);
    if (owner) {
      const user = usable(owner);
      await linkIdentity(db, user.id, provider, profile);
      await emailProven(db, user, profile.email);
      return { user, how: "linked-by-email" };
    }
  }

  if (registration !== "open") {
    throw new OAuthFailure("registration", "E-AUTH-FORBID", `registration is ${registration}: no account is created for an unknown ${provider} identity`);
  }
  const email = profile.emailVerified && profile.email ? profile.email : await placeholderEmail(provider, profile.subject);
  const row = newUserRow({ email, name: profile.name?.trim() || undefined, passwordHash: null, roles: ["user"], emailVerified: profile.emailVerified && !!profile.email });
  try {
    // One batch is one D1 transaction: no account without the identity that signs in to it.
    await db.batch([db.insert(users).values(row), db.insert(identities).values(newIdentityRow(row.id, provider, profile))]);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // Another sign-in of the same person won the race (or took the email): take what it made.
    const raced = await findIdentity(db, provider, profile.subject);
    if (raced) return { user: usable(await findUserById(db, raced.userId)), how: "identity" };
    throw e;
  }
  return { user: row, how: "created" };
}

/**
 * Links a provider account to a signed-in user (`GET /auth/{provider}?link=1`). Refused when the
 * identity is someone else's, or when the user already has another account of that provider.
 */
export async function linkIdentityToUser(db: Db, userId: string, provider: OAuthProviderId, profile: ProviderProfile): Promise<UserRow> {
  const user = usable(await findUserById(db, userId));
  const known = await findIdentity(db, provider, profile.subject);
  if (known) {
    if (known.userId !== user.id) throw new OAuthFailure("identity_taken", "E-CONFLICT");
    await touchIdentity(db, known.id, profile);
    return user;
  }
  await linkIdentity(db, user.id, provider, profile);
  return user;
}

async function linkIdentity(db: Db, userId: string, provider: OAuthProviderId, profile: ProviderProfile): Promise<void> {
  if (await findUserIdentity(db, userId, provider)) throw new OAuthFailure("provider_linked", "E-CONFLICT");
  try {
    await db.insert(identities).values(newIdentityRow(userId, provider, profile));
  } catch (e) {
    if (isUniqueViolation(e)) throw new OAuthFailure("identity_taken", "E-CONFLICT");
    throw e;
  }
}
