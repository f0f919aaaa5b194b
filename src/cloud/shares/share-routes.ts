import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { shareDeleteRequestSchema, shareSaveRequestSchema, shareSchema, shareableActions, type ShareableAction } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound } from "../../http/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { cloudShares, type ShareRow } from "../../db/schema.ts";
import { newId, nowIso } from "../../ids.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { findUserByEmail, findUserById } from "../../users/users.ts";
import { requireInstance } from "../instances/instance-access.ts";
import { assertPermit } from "../../auth/permit.ts";
import { sharesOf, instancesOfShare } from "./share-store.ts";
import { closeRevokedTerminals } from "../terminal/close-terminals.ts";
import { notifyShareGranted } from "./notify-share-granted.ts";

export const shareRoutes = newRouter();
const tags = ["shares"];

const isActive = (s: ShareRow, now = Date.now()) => s.enabled && (s.expiresAt === null || Date.parse(s.expiresAt) > now);

function toShareView(s: ShareRow, emails: { owner?: string; grantee?: string } = {}) {
  return {
    id: s.id,
    owner_id: s.ownerId,
    ...(emails.owner ? { owner_email: emails.owner } : {}),
    grantee_id: s.granteeId,
    ...(emails.grantee ? { grantee_email: emails.grantee } : {}),
    instance_id: s.instanceId,
    permissions: s.permissions,
    enabled: s.enabled,
    expires_at: s.expiresAt,
    active: isActive(s),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

shareRoutes.openapi(
  createRoute({ method: "get", path: "/list", tags, ...signedIn, summary: "Shares you gave and shares you received",
    responses: { 200: jsonResponse(z.object({ given: z.array(shareSchema), received: z.array(shareSchema) }), "Shares"), ...errorResponses(401) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "read:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const [given, received] = await Promise.all([sharesOf(db, p.userId, "given"), sharesOf(db, p.userId, "received")]);
    return c.json(
      {
        given: given.map((g) => toShareView(g.share, { grantee: g.otherEmail })),
        received: received.map((r) => toShareView(r.share, { owner: r.otherEmail })),
      },
      200,
    );
  },
);

shareRoutes.openapi(
  createRoute({ method: "post", path: "/save", tags, ...signedIn,
    summary: "Create or update a share of one of your instances (or all of them, present and future) with another user",
    request: { body: jsonBody(shareSaveRequestSchema) },
    responses: { 200: jsonResponse(shareSchema, "The share"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const body = c.req.valid("json");
    const now = nowIso();
    let share: ShareRow;
    if (body.id) {
      // Updating: only the owner's own share, found by id and owner together.
      const existing = await db.select().from(cloudShares).where(and(eq(cloudShares.id, body.id), eq(cloudShares.ownerId, p.userId))).get();
      if (!existing) throw notFound("share");
      const [updated] = await db
        .update(cloudShares)
        .set({
          ...(body.permissions ? { permissions: [...new Set(body.permissions)] } : {}),
          ...(body.expires_at !== undefined ? { expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null } : {}),
          enabled: body.enabled,
          updatedAt: now,
        })
        .where(eq(cloudShares.id, existing.id))
        .returning();
      share = updated!;
    } else {
      const grantee = body.grantee_id ? await findUserById(db, body.grantee_id) : body.grantee_email ? await findUserByEmail(db, body.grantee_email) : undefined;
      if (!body.grantee_id && !body.grantee_email) {
        throw new AppError("E-VALIDATION", "grantee_email or grantee_id is required", { fields: [{ path: "grantee_email", message: "required" }] });
      }
      if (!grantee || grantee.disabledAt) throw notFound("user");
      if (grantee.id === p.userId) throw new AppError("E-VALIDATION", "you cannot share with yourself", { fields: [{ path: "grantee_email", message: "is you" }] });
      const shared = body.instance_id ? (await requireInstance(db, p, body.instance_id, "manage:cloud_instance")).instance : null;
      if (shared && shared.ownerId !== p.userId) throw new AppError("E-AUTH-FORBID", "only the owner can share an instance");
      const permissions: ShareableAction[] = body.permissions ? [...new Set(body.permissions)] : [...shareableActions];
      const [created] = await db
        .insert(cloudShares)
        .values({
          id: newId("shr"),
          ownerId: p.userId,
          granteeId: grantee.id,
          instanceId: body.instance_id ?? null,
          permissions,
          enabled: body.enabled,
          expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      share = created!;
      notifyShareGranted(c, { owner: p.user, grantee, share, instance: shared });
    }
    await closeRevokedTerminals(c.env, db, p.userId, share.granteeId);
    await recordAudit(db, { actorId: p.userId, action: "cloud.share_saved", subjectId: share.id, ip: clientIp(c.req.raw), detail: { grantee: share.granteeId, instance: share.instanceId, permissions: share.permissions, enabled: share.enabled, ...actorDetail(p) } }, eventSink(c));
    return c.json(toShareView(share), 200);
  },
);

shareRoutes.openapi(
  createRoute({ method: "post", path: "/delete", tags, ...signedIn, summary: "Revoke a share you gave, at once (open event sockets and terminals included)",
    request: { body: jsonBody(shareDeleteRequestSchema) },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Revoked"), ...errorResponses(400, 401, 404) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const [deleted] = await db.delete(cloudShares).where(and(eq(cloudShares.id, c.req.valid("json").id), eq(cloudShares.ownerId, p.userId))).returning();
    if (!deleted) throw notFound("share");
    await closeRevokedTerminals(c.env, db, p.userId, deleted.granteeId);
    await recordAudit(db, { actorId: p.userId, action: "cloud.share_revoked", subjectId: deleted.id, ip: clientIp(c.req.raw), detail: { grantee: deleted.granteeId, instances: await instancesOfShare(db, deleted), ...actorDetail(p) } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
