import { and, asc, eq, inArray } from "drizzle-orm";
import type { TeamRole } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { teamMembers, teams, teamShares, users, type TeamRow } from "../db/schema.ts";
import { newId, nowIso } from "../ids.ts";

/** Creates a team whose first owner is its creator. */
export async function createTeam(db: Db, creatorId: string, name: string): Promise<TeamRow> {
  const now = nowIso();
  const team = { id: newId("tea"), name, createdBy: creatorId, createdAt: now };
  await db.batch([db.insert(teams).values(team), db.insert(teamMembers).values({ teamId: team.id, userId: creatorId, role: "owner", addedAt: now })]);
  return team;
}

/** The caller's role in a team, or null when they are not in it. */
export async function roleIn(db: Db, teamId: string, userId: string): Promise<TeamRole | null> {
  const row = await db.select({ role: teamMembers.role }).from(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).get();
  return row?.role ?? null;
}

export const findTeam = (db: Db, id: string) => db.select().from(teams).where(eq(teams.id, id)).get();

/** Every member of a team, with their email and name, oldest first. */
export async function membersOf(db: Db, teamIds: string[]) {
  if (!teamIds.length) return [];
  return db
    .select({ teamId: teamMembers.teamId, userId: teamMembers.userId, role: teamMembers.role, addedAt: teamMembers.addedAt, email: users.email, name: users.name })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(inArray(teamMembers.teamId, teamIds))
    .orderBy(asc(teamMembers.addedAt))
    .all();
}

/** The teams a user is in, each with their role. */
export async function teamsOf(db: Db, userId: string) {
  return db
    .select({ team: teams, role: teamMembers.role })
    .from(teamMembers)
    .innerJoin(teams, eq(teams.id, teamMembers.teamId))
    .where(eq(teamMembers.userId, userId))
    .orderBy(asc(teams.createdAt))
    .all();
}

/** Adds a member, or changes the role of one who is already in (true: they were not a member before). */
export async function putMember(db: Db, teamId: string, userId: string, role: TeamRole): Promise<boolean> {
  const before = await roleIn(db, teamId, userId);
  await db
    .insert(teamMembers)
    .values({ teamId, userId, role, addedAt: nowIso() })
    .onConflictDoUpdate({ target: [teamMembers.teamId, teamMembers.userId], set: { role } });
  return before === null;
}

export async function removeMember(db: Db, teamId: string, userId: string): Promise<boolean> {
  const gone = await db.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).returning({ userId: teamMembers.userId });
  return gone.length > 0;
}

export async function ownerCount(db: Db, teamId: string): Promise<number> {
  const rows = await db.select({ userId: teamMembers.userId }).from(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.role, "owner"))).all();
  return rows.length;
}

/** The owners who gave this team a share: whose grants a member's joining or leaving changes. */
export async function ownersSharingWith(db: Db, teamId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ ownerId: teamShares.ownerId }).from(teamShares).where(eq(teamShares.teamId, teamId)).all();
  return rows.map((r) => r.ownerId);
}
