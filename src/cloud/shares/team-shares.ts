import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { shareableActions, type ShareableAction, type shareSaveRequestSchema } from "@anchorage/common";
import type { z } from "zod";
import type { AppEnv } from "../../http/app-env.ts";
import type { Db } from "../../../core/db/client.ts";
import type { Env } from "../../../core/env.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { teamShares, type TeamShareRow } from "../../../core/db/schema.ts";
import { newId, nowIso } from "../../../core/ids.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { teamMemberIds } from "../../../core/shares/share-store.ts";
import { findTeam, roleIn } from "../../../core/teams/team-store.ts";
import { forgetGrants } from "../../auth/principal-cache/forget.ts";
import { closeRevokedTerminals } from "../terminal/close-terminals.ts";
import { closeRevokedForwards } from "../forward/close-forwards.ts";

type SaveBody = z.infer<typeof shareSaveRequestSchema>;

/** A share given to a team, as the API shows it (its owner's view and its members' alike). */
export const teamShareView = (s: TeamShareRow, teamName: string, ownerEmail?: string) => ({
  id: s.id,
  owner_id: s.ownerId,
  ...(ownerEmail ? { owner_email: ownerEmail } : {}),
  team_id: s.teamId,
  team_name: teamName,
  instance_id: s.instanceId,
  permissions: s.permissions,
  enabled: s.enabled,
  expires_at: s.expiresAt,
  active: s.enabled && (s.expiresAt === null || Date.parse(s.expiresAt) > Date.now()),
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/**
 * After a team share changed, or the team's members did: every member's copy of the grants they
 * hold from the owner goes (forget.ts, held like every forget), and each member's open terminals
 * on the owner's instances are judged again, closed where access ended.
 */
export async function teamGrantsChanged(env: Env, db: Db, pairs: { ownerId: string; granteeId: string }[], closeTerminals: boolean): Promise<void> {
  await forgetGrants(db, pairs);
  if (closeTerminals) for (const p of pairs) await closeRevokedTerminals(env, db, p.ownerId, p.granteeId), await closeRevokedForwards(env, db, p.ownerId, p.granteeId);
}

async function membersPairs(db: Db, ownerId: string, teamId: string) {
  return (await teamMemberIds(db, teamId)).filter((id) => id !== ownerId).map((granteeId) => ({ ownerId, granteeId }));
}

/** A new share to a team the owner is in (anyone else's team is, to them, no team at all: 404). */
export async function createTeamShare(c: Context<AppEnv>, teamId: string, body: SaveBody) {
  const p = c.get("principal");
  const db = c.get("db");
  const team = await findTeam(db, teamId);
  if (!team || !(await roleIn(db, teamId, p.userId))) throw notFound("team");
  const shared = body.instance_id ? (await requireInstance(db, p, body.instance_id, "manage:cloud_instance")).instance : null;
  if (shared && shared.ownerId !== p.userId) throw new AppError("E-AUTH-FORBID", "only the owner can share an instance");
  const now = nowIso();
  const [created] = await db
    .insert(teamShares)
    .values({
      id: newId("shr"),
      ownerId: p.userId,
      teamId,
      instanceId: body.instance_id ?? null,
      permissions: body.permissions ? [...new Set(body.permissions)] : ([...shareableActions] as ShareableAction[]),
      enabled: body.enabled,
      expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await teamGrantsChanged(c.env, db, await membersPairs(db, p.userId, teamId), false);
  return { row: created!, teamName: team.name };
}

/** Changes one of the owner's team shares; null when it is none of theirs. */
export async function updateTeamShare(c: Context<AppEnv>, id: string, body: SaveBody) {
  const p = c.get("principal");
  const db = c.get("db");
  const [updated] = await db
    .update(teamShares)
    .set({
      ...(body.permissions ? { permissions: [...new Set(body.permissions)] } : {}),
      ...(body.expires_at !== undefined ? { expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null } : {}),
      enabled: body.enabled,
      updatedAt: nowIso(),
    })
    .where(and(eq(teamShares.id, id), eq(teamShares.ownerId, p.userId)))
    .returning();
  if (!updated) return null;
  await teamGrantsChanged(c.env, db, await membersPairs(db, p.userId, updated.teamId), true);
  return { row: updated, teamName: (await findTeam(db, updated.teamId))?.name ?? "" };
}

/** Revokes one of the owner's team shares; null when it is none of theirs. */
export async function deleteTeamShare(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  const db = c.get("db");
  const [deleted] = await db.delete(teamShares).where(and(eq(teamShares.id, id), eq(teamShares.ownerId, p.userId))).returning();
  if (!deleted) return null;
  const pairs = await membersPairs(db, p.userId, deleted.teamId);
  await teamGrantsChanged(c.env, db, pairs, true);
  return { row: deleted, members: pairs.map((x) => x.granteeId) };
}
