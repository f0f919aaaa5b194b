import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { shareDeleteRequestSchema, shareSaveRequestSchema, shareSchema, shareableActions, type ShareableAction } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { cloudShares, pendingShares, type ShareRow } from "../../../core/db/schema.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { enforceRateLimits, RATE_LIMITS } from "../../auth/rate-limit/rate-limits.ts";
import { newId, nowIso } from "../../../core/ids.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { findUserByEmail, findUserById, normalizeEmail } from "../../../core/users/users.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { sharesGiven, sharesOf, instancesOfShare, teamSharesGiven, teamSharesReceived, type GivenShare } from "../../../core/shares/share-store.ts";
import { createTeamShare, deleteTeamShare, teamShareView, updateTeamShare } from "./team-shares.ts";
import { closeRevokedTerminals } from "../terminal/close-terminals.ts";
import { closeRevokedForwards } from "../forward/close-forwards.ts";
import { forgetGrants } from "../../auth/principal-cache/forget.ts";
import { notifyShareGranted } from "./notify-share-granted.ts";
import { notifyShareInvited } from "./notify-share-invited.ts";

export const shareRoutes = newRouter();
const tags = ["shares"];

const isActive = (s: Pick<ShareRow, "enabled" | "expiresAt">, now = Date.now()) => s.enabled && (s.expiresAt === null || Date.parse(s.expiresAt) > now);

/** A share its grantee received: the owner's id and email, their own id. */
function toReceivedView(s: ShareRow, ownerEmail: string) {
  return { id: s.id, owner_id: s.ownerId, owner_email: ownerEmail, grantee_id: s.granteeId, ...terms(s) };
}

/**
 * A share its owner gave: to an email, with no grantee id, the same whether that email had an
 * account or the share is pending until it does (so saving a share tells nobody who has one).
 */
function toGivenView(s: GivenShare) {
  return { id: s.id, owner_id: s.ownerId, grantee_email: s.granteeEmail, ...terms(s) };
}

const terms = (s: Omit<ShareRow, "granteeId">) => ({
  instance_id: s.instanceId,
  permissions: s.permissions,
  enabled: s.enabled,
  expires_at: s.expiresAt,
  active: isActive(s),
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

shareRoutes.openapi(
  createRoute({ method: "get", path: "/list", tags, ...signedIn, summary: "Shares you gave and shares you received",
    responses: { 200: jsonResponse(z.object({ given: z.array(shareSchema), received: z.array(shareSchema) }), "Shares"), ...errorResponses(401) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "read:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const [given, received, teamGiven, teamReceived] = await Promise.all([sharesGiven(db, p.userId), sharesOf(db, p.userId, "received"), teamSharesGiven(db, p.userId), teamSharesReceived(db, p.userId)]);
    return c.json(
      {
        given: [...given.map(toGivenView), ...teamGiven.map((t) => teamShareView(t.share, t.teamName))],
        received: [...received.map((r) => toReceivedView(r.share, r.otherEmail)), ...teamReceived.filter((t) => t.share.ownerId !== p.userId).map((t) => teamShareView(t.share, t.teamName, t.otherEmail))],
      },
      200,
    );
  },
);

shareRoutes.openapi(
  createRoute({ method: "post", path: "/save", tags, ...signedIn,
    summary: "Create or update a share of one of your instances (or all of them, present and future) with another user, or with a team you are in (`team_id`)",
    description:
      "By `grantee_email` the answer is the same whether the address has an account or not: without one, the share is pending (it grants nothing), " +
      "the address gets an invitation (with an invite code when registration is by invitation), and the share becomes real at its first sign-in. " +
      "The answer names the grantee by email, never by id. New shares are rate-limited per account (429 E-RATE-LIMIT with Retry-After).",
    request: { body: jsonBody(shareSaveRequestSchema) },
    responses: { 200: jsonResponse(shareSchema, "The share"), ...errorResponses(400, 401, 403, 404, 429) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const body = c.req.valid("json");
    const teamId = body.team_id ?? body.teamId;
    const team = body.id ? await updateTeamShare(c, body.id, body) : teamId ? await createTeamShare(c, teamId, body) : null;
    if (team) {
      await recordAudit(db, { actorId: p.userId, action: "cloud.share_saved", subjectId: team.row.id, ip: clientIp(c.req.raw), detail: { team: team.row.teamId, instance: team.row.instanceId, permissions: team.row.permissions, enabled: team.row.enabled, ...actorDetail(p) } }, eventSink(c));
      return c.json(teamShareView(team.row, team.teamName), 200);
    }
    const saved = body.id ? await updateShare(c, body.id, body) : await createShare(c, body);
    await recordAudit(db, { actorId: p.userId, action: "cloud.share_saved", subjectId: saved.id, ip: clientIp(c.req.raw), detail: { grantee_email: saved.granteeEmail, instance: saved.instanceId, permissions: saved.permissions, enabled: saved.enabled, ...actorDetail(p) } }, eventSink(c));
    return c.json(toGivenView(saved), 200);
  },
);

type SaveBody = z.infer<typeof shareSaveRequestSchema>;

/** Changes the terms of one of the owner's shares, pending or not, found by id and owner together. */
async function updateShare(c: Context<AppEnv>, id: string, body: SaveBody): Promise<GivenShare> {
  const p = c.get("principal");
  const db = c.get("db");
  const changes = {
    ...(body.permissions ? { permissions: [...new Set(body.permissions)] } : {}),
    ...(body.expires_at !== undefined ? { expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null } : {}),
    enabled: body.enabled,
    updatedAt: nowIso(),
  };
  const [updated] = await db.update(cloudShares).set(changes).where(and(eq(cloudShares.id, id), eq(cloudShares.ownerId, p.userId))).returning();
  if (updated) {
    await forgetGrants(db, [updated]);
    await closeRevokedTerminals(c.env, db, p.userId, updated.granteeId);
    await closeRevokedForwards(c.env, db, p.userId, updated.granteeId);
    const { granteeId, ...terms } = updated;
    return { ...terms, granteeEmail: normalizeEmail((await findUserById(db, granteeId))!.email) };
  }
  const [pending] = await db.update(pendingShares).set(changes).where(and(eq(pendingShares.id, id), eq(pendingShares.ownerId, p.userId))).returning();
  if (!pending) throw notFound("share");
  return pending;
}

/**
 * A new share. By email it is answered the same whether the address has an account (a share
 * now, and a mail saying so) or not (a pending share that becomes real at that address's first
 * sign-in, and an invitation): the answer, its timing (mail goes after the response) and the
 * owner's list never tell which. Rate-limited per owner, so it is no oracle to mail or to probe.
 */
async function createShare(c: Context<AppEnv>, body: SaveBody): Promise<GivenShare> {
  const p = c.get("principal");
  const db = c.get("db");
  if (!body.grantee_id && !body.grantee_email) {
    throw new AppError("E-VALIDATION", "grantee_email or grantee_id is required", { fields: [{ path: "grantee_email", message: "required" }] });
  }
  await enforceRateLimits(c.env, [{ key: `share-create:user:${p.userId}`, rule: RATE_LIMITS.shareCreatePerAccount }]);
  const email = body.grantee_email ? normalizeEmail(body.grantee_email) : undefined;
  if (email === p.user.emailNormalized || body.grantee_id === p.userId) {
    throw new AppError("E-VALIDATION", "you cannot share with yourself", { fields: [{ path: "grantee_email", message: "is you" }] });
  }
  // By id the caller already knows the account (ids are random, never guessed), so an unknown one may be a 404.
  const grantee = body.grantee_id ? await findUserById(db, body.grantee_id) : await findUserByEmail(db, email!);
  if (body.grantee_id && !grantee) throw notFound("user");
  const shared = body.instance_id ? (await requireInstance(db, p, body.instance_id, "manage:cloud_instance")).instance : null;
  if (shared && shared.ownerId !== p.userId) throw new AppError("E-AUTH-FORBID", "only the owner can share an instance");
  const now = nowIso();
  const terms = {
    id: newId("shr"),
    ownerId: p.userId,
    instanceId: body.instance_id ?? null,
    permissions: body.permissions ? [...new Set(body.permissions)] : [...shareableActions],
    enabled: body.enabled,
    expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null,
    createdAt: now,
    updatedAt: now,
  } satisfies Partial<ShareRow> & { permissions: ShareableAction[] };
  if (!grantee) {
    const [pending] = await db.insert(pendingShares).values({ ...terms, granteeEmail: email! }).returning();
    notifyShareInvited(c, { owner: p.user, share: pending!, instance: shared });
    return pending!;
  }
  const [created] = await db.insert(cloudShares).values({ ...terms, granteeId: grantee.id }).returning();
  await forgetGrants(db, [created!]);
  // A disabled account is mailed nothing; its share grants nothing while it stays disabled.
  if (!grantee.disabledAt) notifyShareGranted(c, { owner: p.user, grantee, share: created!, instance: shared });
  await closeRevokedTerminals(c.env, db, p.userId, grantee.id);
  await closeRevokedForwards(c.env, db, p.userId, grantee.id);
  return { ...terms, granteeEmail: grantee.emailNormalized };
}

shareRoutes.openapi(
  createRoute({ method: "post", path: "/delete", tags, ...signedIn, summary: "Revoke a share you gave, at once (open event sockets and terminals included)",
    request: { body: jsonBody(shareDeleteRequestSchema) },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Revoked"), ...errorResponses(400, 401, 404) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const { id } = c.req.valid("json");
    const team = await deleteTeamShare(c, id);
    if (team) {
      await recordAudit(db, { actorId: p.userId, action: "cloud.share_revoked", subjectId: id, ip: clientIp(c.req.raw), detail: { instances: await instancesOfShare(db, team.row), team: team.row.teamId, ...actorDetail(p) } }, eventSink(c));
      return c.json({ success: true as const }, 200);
    }
    const [deleted] = await db.delete(cloudShares).where(and(eq(cloudShares.id, id), eq(cloudShares.ownerId, p.userId))).returning();
    const [pending] = deleted ? [] : await db.delete(pendingShares).where(and(eq(pendingShares.id, id), eq(pendingShares.ownerId, p.userId))).returning();
    const gone = deleted ?? pending;
    if (!gone) throw notFound("share");
    if (deleted) {
      await forgetGrants(db, [deleted]);
      await closeRevokedTerminals(c.env, db, p.userId, deleted.granteeId);
      await closeRevokedForwards(c.env, db, p.userId, deleted.granteeId);
    }
    // A pending share names no grantee id: none exists, and the owner reads this detail. An accepted
    // one names its grantee (who had signed in, so the owner learns no one's existence from it):
    // the row is gone, and this is how the event still reaches the grantee's dashboard.
    const grantee = deleted ? { grantee: deleted.granteeId } : {};
    await recordAudit(db, { actorId: p.userId, action: "cloud.share_revoked", subjectId: gone.id, ip: clientIp(c.req.raw), detail: { instances: await instancesOfShare(db, gone), ...grantee, ...actorDetail(p) } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
