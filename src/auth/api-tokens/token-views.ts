import { DEFAULT_TOKEN_DAYS, type ApiToken } from "@anchorage/common";
import type { ApiTokenRow, ServiceAccountRow } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";

export const toTokenView = (t: ApiTokenRow): ApiToken => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes,
  service_account_id: t.serviceAccountId,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
  last_used_at: t.lastUsedAt,
});

export const toServiceAccountView = (s: ServiceAccountRow) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  scopes: s.scopes,
  version: s.version,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/** The expiry a request asked for: a number of days, the default when absent, never when null. */
export const expiryFrom = (days: number | null | undefined, now = Date.now()): string | null =>
  days === null ? null : nowIso(now + (days ?? DEFAULT_TOKEN_DAYS) * 86_400_000);
