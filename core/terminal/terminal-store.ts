import { and, desc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { terminalParticipants, terminalSessions, users, type TerminalParticipantRow, type TerminalSessionRow } from "../db/schema.ts";
import { nowIso } from "../ids.ts";


export async function insertTerminalSession(db: Db, row: Omit<TerminalSessionRow, "endedAt" | "endReason" | "exitCode" | "recordingBytes">): Promise<void> {
  await db.insert(terminalSessions).values({ ...row, recordingBytes: 0 }).onConflictDoNothing();
}

/** Marks a session of this instance ended, once (an agent can only end its own instance's sessions). */
export async function endTerminalSession(db: Db, instanceId: string, id: string, end: { at: string; reason: string; exitCode: number | null; recordingBytes?: number }): Promise<void> {
  await db
    .update(terminalSessions)
    .set({ endedAt: end.at, endReason: end.reason, exitCode: end.exitCode, ...(end.recordingBytes !== undefined ? { recordingBytes: end.recordingBytes } : {}) })
    .where(and(eq(terminalSessions.id, id), eq(terminalSessions.instanceId, instanceId), isNull(terminalSessions.endedAt)));
}

/** The agent is back and names the sessions it still has: every other one left open here was lost. Returns their ids. */
export async function endLostSessions(db: Db, instanceId: string, alive: readonly string[], at: string): Promise<string[]> {
  const open = await db
    .select({ id: terminalSessions.id })
    .from(terminalSessions)
    .where(and(eq(terminalSessions.instanceId, instanceId), isNull(terminalSessions.endedAt)))
    .all();
  const lost = open.map((r) => r.id).filter((id) => !alive.includes(id));
  if (lost.length) {
    await db
      .update(terminalSessions)
      .set({ endedAt: at, endReason: "lost" })
      .where(and(eq(terminalSessions.instanceId, instanceId), inArray(terminalSessions.id, lost), isNull(terminalSessions.endedAt)));
  }
  return lost;
}

export async function findTerminalSession(db: Db, id: string): Promise<TerminalSessionRow | undefined> {
  return db.select().from(terminalSessions).where(eq(terminalSessions.id, id)).get();
}

/** An instance's sessions, newest first; only one user's when `userId` is given. */
export async function listTerminalSessions(db: Db, instanceId: string, userId: string | null, limit = 100): Promise<TerminalSessionRow[]> {
  const where = userId ? and(eq(terminalSessions.instanceId, instanceId), eq(terminalSessions.userId, userId)) : eq(terminalSessions.instanceId, instanceId);
  return db.select().from(terminalSessions).where(where).orderBy(desc(terminalSessions.startedAt)).limit(limit).all();
}

/** The live sessions of a user on some of an owner's instances (to close them when a share is revoked). */
export async function liveSessionsOf(db: Db, ownerId: string, userId: string): Promise<TerminalSessionRow[]> {
  return db
    .select()
    .from(terminalSessions)
    .where(and(eq(terminalSessions.ownerId, ownerId), eq(terminalSessions.userId, userId), isNull(terminalSessions.endedAt)))
    .all();
}

export async function liveSessionsOfUser(db: Db, userId: string): Promise<TerminalSessionRow[]> {
  return db.select().from(terminalSessions).where(and(eq(terminalSessions.userId, userId), isNull(terminalSessions.endedAt))).all();
}

// ── participants (shared sessions) ─────────────────────────────────────────

/** Invites people into a session, or changes their mode (an invite again replaces the old one), all or none. */
export async function putParticipants(db: Db, sessionId: string, invitedBy: string, people: { userId: string; mode: "watch" | "drive" }[]): Promise<void> {
  const now = nowIso();
  const [first, ...rest] = people.map((p) =>
    db
      .insert(terminalParticipants)
      .values({ sessionId, userId: p.userId, mode: p.mode, invitedBy, createdAt: now })
      .onConflictDoUpdate({ target: [terminalParticipants.sessionId, terminalParticipants.userId], set: { mode: p.mode, invitedBy } }),
  );
  if (first) await db.batch([first, ...rest]);
}

export async function findParticipant(db: Db, sessionId: string, userId: string): Promise<TerminalParticipantRow | undefined> {
  return db.select().from(terminalParticipants).where(and(eq(terminalParticipants.sessionId, sessionId), eq(terminalParticipants.userId, userId))).get();
}

export async function removeParticipant(db: Db, sessionId: string, userId: string): Promise<boolean> {
  const gone = await db.delete(terminalParticipants).where(and(eq(terminalParticipants.sessionId, sessionId), eq(terminalParticipants.userId, userId))).returning({ userId: terminalParticipants.userId });
  return gone.length > 0;
}

/** A session's participants with their names and emails, first invited first. */
export async function participantsOf(db: Db, sessionId: string) {
  return db
    .select({ userId: terminalParticipants.userId, mode: terminalParticipants.mode, createdAt: terminalParticipants.createdAt, email: users.email, name: users.name })
    .from(terminalParticipants)
    .innerJoin(users, eq(users.id, terminalParticipants.userId))
    .where(eq(terminalParticipants.sessionId, sessionId))
    .orderBy(terminalParticipants.createdAt)
    .all();
}

/** The sessions a user was invited into, narrowed by `where` (an instance, or an owner's live ones). */
async function sessionsInvitedInto(db: Db, userId: string, where: SQL | undefined): Promise<TerminalSessionRow[]> {
  const rows = await db
    .select({ s: terminalSessions })
    .from(terminalParticipants)
    .innerJoin(terminalSessions, eq(terminalSessions.id, terminalParticipants.sessionId))
    .where(and(eq(terminalParticipants.userId, userId), where))
    .all();
  return rows.map((r) => r.s);
}

/** The live sessions on an owner's instances a user was invited into (closed with theirs when their access ends). */
export const liveParticipationsOf = (db: Db, ownerId: string, userId: string) =>
  sessionsInvitedInto(db, userId, and(eq(terminalSessions.ownerId, ownerId), isNull(terminalSessions.endedAt)));

/** The sessions on an instance a user was invited into. */
export const sessionsJoinable = (db: Db, instanceId: string, userId: string) => sessionsInvitedInto(db, userId, eq(terminalSessions.instanceId, instanceId));
