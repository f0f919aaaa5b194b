import { eq } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { apiTokens, cloudShares, instances, serviceAccounts, sessions, webhooks } from "../../core/db/schema.ts";
import type { AuditRow } from "../../core/audit/audit-event.ts";

/** Who owns the thing an id names, read from D1 by the id's prefix; the user for a `usr_` id. */
async function ownersOfSubject(db: Db, id: string): Promise<(string | null | undefined)[]> {
  switch (id.slice(0, id.indexOf("_"))) {
    case "usr":
      return [id];
    case "ses":
      return [(await db.select({ o: sessions.userId }).from(sessions).where(eq(sessions.id, id)).get())?.o];
    case "tok":
      return [(await db.select({ o: apiTokens.userId }).from(apiTokens).where(eq(apiTokens.id, id)).get())?.o];
    case "sa":
      return [(await db.select({ o: serviceAccounts.ownerId }).from(serviceAccounts).where(eq(serviceAccounts.id, id)).get())?.o];
    case "ins":
      return [(await db.select({ o: instances.ownerId }).from(instances).where(eq(instances.id, id)).get())?.o];
    case "shr": {
      const share = await db.select({ o: cloudShares.ownerId, g: cloudShares.granteeId }).from(cloudShares).where(eq(cloudShares.id, id)).get();
      return [share?.o, share?.g];
    }
    case "whk":
      return [(await db.select({ o: webhooks.ownerId }).from(webhooks).where(eq(webhooks.id, id)).get())?.o];
    default:
      return [];
  }
}

/**
 * The users who may receive an audit entry's event: whoever acted, and whoever owns what it is
 * about (an instance's owner, a share's owner and grantee, a token's or session's user). What was
 * deleted before the entry was written is found through the detail the caller left
 * (`owner_id`, `grantee`).
 */
export async function eventOwners(db: Db, e: AuditRow): Promise<string[]> {
  const found = e.subjectId ? await ownersOfSubject(db, e.subjectId) : [];
  const hinted = [e.detail?.owner_id, e.detail?.grantee];
  const owners = [e.actorId, ...found, ...hinted].filter((o): o is string => typeof o === "string" && o.startsWith("usr_"));
  return [...new Set(owners)];
}
