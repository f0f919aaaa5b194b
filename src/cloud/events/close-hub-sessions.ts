import type { Env } from "../../../core/env.ts";

/**
 * Ends the live event sockets of sessions that just ended, so a revoked session
 * stops receiving events at once (its socket was authorized when it opened).
 */
export async function closeHubSessions(env: Env, userId: string, which: { sessionId: string } | { allBut: string | null }): Promise<void> {
  await env.USER_HUB.get(env.USER_HUB.idFromName(userId)).closeSessions(which);
}
