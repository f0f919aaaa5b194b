import type { Db } from "../../../core/db/client.ts";
import { liveTokenHashes } from "../api-tokens/api-token-store.ts";
import { liveSessionIds } from "../session/session-store.ts";
import { forgetSessions, forgetTokens } from "./forget.ts";

/**
 * After a change to the user in D1 (roles, name, disabled, password, deletion): this location
 * forgets every copy that holds them, each live session's and each API token's, so the very next
 * request here reads the user as they are now. Call it after the write, or (for a deletion, whose
 * cascade takes the rows that name the copies) just before it.
 */
export async function forgetUser(db: Db, userId: string): Promise<void> {
  const [sessionIds, tokenHashes] = await Promise.all([liveSessionIds(db, userId), liveTokenHashes(db, { userId })]);
  await Promise.all([forgetSessions(db, sessionIds), forgetTokens(db, tokenHashes)]);
}
