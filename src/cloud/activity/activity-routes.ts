import { createRoute } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { activityPageSchema, activityQuerySchema, parseActivityCursor, type ActivityItem } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { errorResponses, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import type { Db } from "../../../core/db/client.ts";
import type { Env } from "../../../core/env.ts";
import { users } from "../../../core/db/schema.ts";
import type { SyncOperation } from "../../../core/rpc/sync-operation.ts";
import { activityScope, type ActivityScope } from "./activity-scope.ts";
import { recentCommands, type RawItem } from "./command-activity.ts";
import { activityAuditRows, auditItemId, auditRowToItem, isCoveredByActions, syncOperationsOf } from "./audit-activity.ts";
import { matches, mergePage } from "./merge-activity.ts";

/** `GET /api/cloud/activity`: recent actions across every instance the caller may see, newest first. */
export const activityRoutes = newRouter();

activityRoutes.openapi(
  createRoute({
    method: "get", path: "/activity", tags: ["activity"], ...signedIn,
    summary:
      "Recent actions across every instance you can see, newest first: commands and remote git calls (from the instances' own records, with output; the 100 instances seen most recently, each its latest 50), and from the audit log syncs, mirrors, git writes, proxy pauses, file changes, terminals opened. On an instance shared with you: its commands, and only your own of the rest. Filter by instance, kind and status; page with before",
    request: { query: activityQuerySchema },
    responses: { 200: jsonResponse(activityPageSchema, "One page of activity"), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const p = c.get("principal");
    const db = c.get("db");
    const scope = await activityScope(db, p, q.instance);
    const filter = { kind: q.kind, status: q.status, before: q.before ? parseActivityCursor(q.before) : undefined };
    const [commands, rows] = await Promise.all([
      recentCommands(c.env, [...scope.instances.values()].map((a) => a.instance)),
      activityAuditRows(db, scope, p.userId, { ...filter, limit: q.limit + 1 }),
    ]);
    // A full read means older rows may wait in the log: the page stops at the oldest row read.
    const last = rows.length > q.limit ? rows[rows.length - 1]! : null;
    const frontier = last ? { at: last.at, id: auditItemId(last.id) } : null;

    const fresh = rows.filter((r) => !isCoveredByActions(r, commands.coveredSince));
    const syncs = await syncOperationsOf(fresh, (source, op) => syncStatus(c.env, source, op));
    const instanceName = (id: string) => scope.instances.get(id)?.instance.name ?? null;
    const audit = fresh.flatMap((r) => auditRowToItem(r, { instanceName, syncs }) ?? []).filter((i) => matches(i, filter));
    const page = mergePage(commands.items.filter((i) => matches(i, filter)), audit, frontier, q.limit);
    return c.json({ items: await withEmails(db, scope, p.userId, page.items), next_before: page.nextBefore }, 200);
  },
);

/** A sync's operation from its source's object; a failure to ask reads as "no longer kept" and is logged. */
async function syncStatus(env: Env, source: string, operationId: string): Promise<SyncOperation | null> {
  try {
    return ((await env.INSTANCE.get(env.INSTANCE.idFromName(source)).syncStatus(operationId)) as SyncOperation | null) ?? null;
  } catch (e) {
    console.error(`activity: sync ${operationId}: ${(e as Error).message}`);
    return null;
  }
}

/**
 * Names the actors by email where the caller may know who they are: themselves, the instance's
 * owner (a share names them), and to an owner or an admin everyone who acted on the instance. A
 * sharee is not told the addresses of the other people an owner shares with.
 */
async function withEmails(db: Db, scope: ActivityScope, me: string, items: RawItem[]): Promise<ActivityItem[]> {
  const ids = [...new Set(items.flatMap((i) => (i.actor_id ? [i.actor_id] : [])))];
  const rows = ids.length
    ? await db.select({ id: users.id, email: users.email }).from(users).where(sql`${users.id} in (select value from json_each(${JSON.stringify(ids)}))`).all()
    : [];
  const emails = new Map(rows.map((r) => [r.id, r.email]));
  return items.map((i) => {
    const access = scope.instances.get(i.instance_id);
    const known = i.actor_id !== null && (i.actor_id === me || access?.relation !== "shared" || access.instance.ownerId === i.actor_id);
    const email = known ? emails.get(i.actor_id!) : undefined;
    return email ? { ...i, actor_email: email } : i;
  });
}
