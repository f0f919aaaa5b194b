import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { authChallenges } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";
import { isUniqueViolation } from "../../../core/users/users.ts";
import { consumeChallenge, createChallenge } from "../challenges/challenge-store.ts";

export const DEVICE_INVITE_TTL_SECONDS = 300; // DESIGN.md storage map: device codes live 5 minutes

/** Six digits, every value equally likely: 4,294,000,000 is the largest multiple of 10^6 below 2^32. */
export function newInviteCode(): string {
  for (;;) {
    const [n] = crypto.getRandomValues(new Uint32Array(1));
    if (n! < 4_294_000_000) return String(n! % 1_000_000).padStart(6, "0");
  }
}

/**
 * A new code for a signed-in user. It replaces the user's earlier unused codes, so one person
 * never has more than one live code: every live code is a target for guessing.
 */
export async function createDeviceInvite(db: Db, userId: string, now = Date.now()): Promise<{ code: string; expiresAt: string }> {
  await db
    .update(authChallenges)
    .set({ consumedAt: nowIso(now) })
    .where(and(eq(authChallenges.kind, "device-invite"), eq(authChallenges.userId, userId), isNull(authChallenges.consumedAt)));
  for (let attempt = 0; ; attempt++) {
    const code = newInviteCode();
    try {
      const created = await createChallenge(db, "device-invite", { userId, key: code, data: {}, ttlSeconds: DEVICE_INVITE_TTL_SECONDS }, now);
      return { code, expiresAt: created.expiresAt };
    } catch (e) {
      // The same six digits were handed out within the last day (rows are purged a day after they expire).
      if (!isUniqueViolation(e) || attempt >= 3) throw e;
    }
  }
}

/** Redeems a code once (two terminals racing: exactly one wins); the user it signs in, or null. */
export async function redeemDeviceInvite(db: Db, code: string, now = Date.now()): Promise<string | null> {
  return (await consumeChallenge(db, "device-invite", code, now))?.userId ?? null;
}
