import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { AppError, unauthenticated } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { users, type UserRow } from "../../../core/db/schema.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { findUserByEmail, normalizeEmail } from "../../../core/users/users.ts";
import { enforceRateLimits, ipKey, RATE_LIMITS } from "../rate-limit/rate-limits.ts";
import { DECOY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from "./password-hash.ts";

/**
 * Checks an email and password the one way every password sign-in does (login,
 * an agent's anchor token): rate limited per address and per email, the same answer
 * and the same cost for an unknown email as for a wrong password.
 */
export async function verifyCredentials(c: Context<AppEnv>, email: string, password: string): Promise<UserRow> {
  const db = c.get("db");
  const ip = clientIp(c.req.raw);
  await enforceRateLimits(c.env, [
    { key: ipKey("login", ip), rule: RATE_LIMITS.loginPerIp },
    { key: `login:account:${normalizeEmail(email)}`, rule: RATE_LIMITS.loginPerAccount },
  ]);
  const user = await findUserByEmail(db, email);
  // Always pay for one Argon2id verification, so an unknown email takes as long as a wrong password.
  const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_PASSWORD_HASH);
  if (!user || !user.passwordHash || !ok) {
    await recordAudit(db, { actorId: null, action: "auth.login_failed", subjectId: user?.id ?? null, ip }, eventSink(c));
    throw unauthenticated("invalid email or password");
  }
  // Only someone who knows the password learns that the account is disabled.
  if (user.disabledAt) throw new AppError("E-AUTH-FORBID", "this account is disabled");
  if (needsRehash(user.passwordHash)) {
    await db.update(users).set({ passwordHash: await hashPassword(password) }).where(eq(users.id, user.id));
  }
  return user;
}
