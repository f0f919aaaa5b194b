import { and, desc, eq, isNull, or, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/sqlite-core";
import type { ShareGrant } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { normalizeEmail } from "../users/users.ts";
import { cloudShares, instances, pendingShares, teamMembers, teams, teamShares, users, type ShareRow } from "../db/schema.ts";

export const toGrant = (s: ShareRow): ShareGrant => ({
  instanceId: s.instanceId,
  permissions: s.permissions,
  enabled: s.enabled,
  expiresAt: s.expiresAt,
});

/**
 * The grants `granteeId` holds from `ownerId` (for one instance or all), in id order; permit()
 * judges them: the shares given to them, and those given to a team they are in, in one query.
 */
export async function grantsFrom(db: Db, ownerId: string, granteeId: string, instanceId?: string): Promise<ShareGrant[]> {
  const direct = db
    .select({ id: cloudShares.id, instanceId: cloudShares.instanceId, permissions: cloudShares.permissions, enabled: cloudShares.enabled, expiresAt: cloudShares.expiresAt })
    .from(cloudShares)
    .where(
      and(
        eq(cloudShares.ownerId, ownerId),
        eq(cloudShares.granteeId, granteeId),
        instanceId ? or(isNull(cloudShares.instanceId), eq(cloudShares.instanceId, instanceId)) : undefined,
      ),
    );
  const viaTeams = db
    .select({ id: teamShares.id, instanceId: teamShares.instanceId, permissions: teamShares.permissions, enabled: teamShares.enabled, expiresAt: teamShares.expiresAt })
    .from(teamShares)
    .innerJoin(teamMembers, and(eq(teamMembers.teamId, teamShares.teamId), eq(teamMembers.userId, granteeId)))
    .where(and(eq(teamShares.ownerId, ownerId), instanceId ? or(isNull(teamShares.instanceId), eq(teamShares.instanceId, instanceId)) : undefined));
  const rows = await unionAll(direct, viaTeams).orderBy(sql`1`).all();
  return rows.map((r) => ({ instanceId: r.instanceId, permissions: r.permissions, enabled: Boolean(r.enabled), expiresAt: r.expiresAt }));
}

/** Every user a team share reaches now (its team's members). */
export async function teamMemberIds(db: Db, teamId: string): Promise<string[]> {
  const rows = await db.select({ userId: teamMembers.userId }).from(teamMembers).where(eq(teamMembers.teamId, teamId)).all();
  return rows.map((r) => r.userId);
}

/**
 * A user's shares, newest first, each with the other party's email: those they received
 * (with the owner's email) or those they gave to accounts (with the grantee's; see sharesGiven
 * for what an owner is shown).
 */
export async function sharesOf(db: Db, userId: string, side: "received" | "given") {
  const [mine, theirs] = side === "received" ? [cloudShares.granteeId, cloudShares.ownerId] : [cloudShares.ownerId, cloudShares.granteeId];
  return db
    .select({ share: cloudShares, otherEmail: users.email })
    .from(cloudShares)
    .innerJoin(users, eq(users.id, theirs))
    .where(eq(mine, userId))
    .orderBy(desc(cloudShares.createdAt))
    .all();
}

/** The shares given to the teams a user is in, newest first, each with its owner's email and its team's name. */
export async function teamSharesReceived(db: Db, userId: string) {
  return db
    .select({ share: teamShares, otherEmail: users.email, teamName: teams.name })
    .from(teamShares)
    .innerJoin(teamMembers, and(eq(teamMembers.teamId, teamShares.teamId), eq(teamMembers.userId, userId)))
    .innerJoin(teams, eq(teams.id, teamShares.teamId))
    .innerJoin(users, eq(users.id, teamShares.ownerId))
    .orderBy(desc(teamShares.createdAt))
    .all();
}

/** The shares a user gave to teams, newest first, with each team's name. */
export async function teamSharesGiven(db: Db, ownerId: string) {
  return db
    .select({ share: teamShares, teamName: teams.name })
    .from(teamShares)
    .innerJoin(teams, eq(teams.id, teamShares.teamId))
    .where(eq(teamShares.ownerId, ownerId))
    .orderBy(desc(teamShares.createdAt))
    .all();
}

/**
 * A share as its owner knows it: the terms and the email it was given to (normalized, as a pending
 * one has it), never whose account that is.
 */
export type GivenShare = Omit<ShareRow, "granteeId"> & { granteeEmail: string };

/**
 * The shares a user gave, newest first: those to accounts and those still pending for an email
 * without one, in one list that does not tell them apart.
 */
export async function sharesGiven(db: Db, ownerId: string): Promise<GivenShare[]> {
  const [real, pending] = await Promise.all([sharesOf(db, ownerId, "given"), db.select().from(pendingShares).where(eq(pendingShares.ownerId, ownerId)).all()]);
  const given: GivenShare[] = [
    ...real.map(({ share: { granteeId: _, ...terms }, otherEmail }) => ({ ...terms, granteeEmail: normalizeEmail(otherEmail) })),
    ...pending,
  ];
  return given.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Instances a share of this row reaches right now (one, or all the owner's). */
export async function instancesOfShare(db: Db, share: Pick<ShareRow, "instanceId" | "ownerId">): Promise<string[]> {
  if (share.instanceId) return [share.instanceId];
  const rows = await db.select({ id: instances.id }).from(instances).where(eq(instances.ownerId, share.ownerId)).all();
  return rows.map((r) => r.id);
}
