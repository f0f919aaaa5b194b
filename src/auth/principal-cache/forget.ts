import { deleteEntries } from "./location-cache.ts";

/**
 * The keys of the location cache, and forgetting them. Every change to a session, an API token or
 * a user calls one of these after writing D1, so the location that served the change answers the
 * very next request from D1; other locations hold their copies at most ENTRY_TTL_SECONDS.
 */
export const sessionKey = (sessionId: string) => `session/${encodeURIComponent(sessionId)}`;
export const tokenKey = (tokenHash: string) => `token/${encodeURIComponent(tokenHash)}`;

export const forgetSessions = (sessionIds: string[]) => deleteEntries(sessionIds.map(sessionKey));
export const forgetTokens = (tokenHashes: string[]) => deleteEntries(tokenHashes.map(tokenKey));
