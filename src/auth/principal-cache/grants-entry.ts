import type { Context } from "hono";
import type { ShareGrant } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { grantsFrom } from "../../../core/shares/share-store.ts";
import { grantsKey } from "./forget.ts";
import { readThrough } from "./read-through.ts";

/**
 * Every grant `granteeId` holds from `ownerId`, as D1 has them, through the same two layers of
 * copies as a session (this isolate's for ISOLATE_TTL_MS, this location's for ENTRY_TTL_SECONDS):
 * a sharee's request through the proxy or the API reads no share from D1 in steady state. Every
 * change to a share forgets its copy (forgetGrants) and holds its answer (holdAfterChange), so a
 * revocation applies to the very next request here. Expiry and `enabled` are judged by permit() on
 * each use, so a copy cannot outlive a share's end.
 */
export function cachedGrants(c: Context<AppEnv>, ownerId: string, granteeId: string): Promise<ShareGrant[]> {
  const db = c.get("db");
  return readThrough<ShareGrant[]>(c, { key: grantsKey(ownerId, granteeId), load: () => grantsFrom(db, ownerId, granteeId), keep: () => true });
}
