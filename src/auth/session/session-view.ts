import type { SessionInfo } from "@anchorage/common";
import type { SessionRow } from "../../../core/db/schema.ts";

export function toSessionInfo(s: SessionRow, currentSessionId: string | null): SessionInfo {
  return {
    id: s.id,
    created_at: s.createdAt,
    last_used_at: s.lastUsedAt,
    expires_at: s.expiresAt,
    user_agent: s.userAgent,
    ip: s.ip,
    provider: s.provider,
    current: s.id === currentSessionId,
  };
}
