import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { terminalInviteRequestSchema, terminalSessionIdSchema } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError, forbidden, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { actorDetail, standingPrincipal } from "../../../core/auth/principal.ts";
import { accessTo, requireInstance } from "../../../core/instances/instance-access.ts";
import { findTerminalSession, participantsOf, putParticipants, removeParticipant } from "../../../core/terminal/terminal-store.ts";
import { findUserByEmail, findUserById, normalizeEmail } from "../../../core/users/users.ts";
import { membersOf, roleIn } from "../../../core/teams/team-store.ts";

/**
 * Shared terminal sessions (issue 28): the user of a session invites others to watch it or to
 * drive it with them; an invitee joins by opening the terminal socket with `session=<id>`
 * (terminal-routes.ts), which also needs their own `terminal:` on the instance: an invite alone
 * opens nothing. The session's user lists, changes and drops participants; each change is audited.
 */
export const participantRoutes = newRouter();
const tags = ["terminal"];
const params = z.object({ id: z.string().min(1).max(64), sessionId: terminalSessionIdSchema });
const participantSchema = z.object({ user_id: z.string(), email: z.string(), name: z.string(), mode: z.enum(["watch", "drive"]), invited_at: z.string() });

/** The session, which must be the caller's own and live, on an instance they may open terminals on. */
async function ownSession(c: Context<AppEnv>, instanceId: string, sessionId: string) {
  const p = c.get("principal");
  const db = c.get("db");
  const { instance } = await requireInstance(db, p, instanceId, "terminal:cloud_instance");
  const row = await findTerminalSession(db, sessionId);
  if (!row || row.instanceId !== instance.id || row.userId !== p.userId) throw notFound("terminal session");
  if (row.endedAt) throw new AppError("E-CONFLICT", "this terminal session has ended");
  return { instance, row };
}

const listOf = async (c: Context<AppEnv>, sessionId: string) =>
  (await participantsOf(c.get("db"), sessionId)).map((p) => ({ user_id: p.userId, email: p.email, name: p.name, mode: p.mode, invited_at: p.createdAt }));

participantRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/terminal/sessions/{sessionId}/participants", tags, ...signedIn,
    summary: "Who your terminal session's user invited into it", request: { params },
    responses: { 200: jsonResponse(z.object({ participants: z.array(participantSchema) }), "Participants"), ...errorResponses(401, 403, 404, 409) } }),
  async (c) => {
    const { id, sessionId } = c.req.valid("param");
    await ownSession(c, id, sessionId);
    return c.json({ participants: await listOf(c, sessionId) }, 200);
  },
);

participantRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/terminal/sessions/{sessionId}/participants", tags, ...signedIn,
    summary: "Invite someone (by email or user id) or a team you are in into your terminal session, to watch it or to drive it; they hear it live",
    description: "Each invitee also needs `terminal:` on the instance (a share) to join. Inviting someone again changes their mode (a watcher made driver, or back).",
    request: { params, body: jsonBody(terminalInviteRequestSchema) },
    responses: { 200: jsonResponse(z.object({ participants: z.array(participantSchema) }), "Participants"), ...errorResponses(400, 401, 403, 404, 409) } }),
  async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const { id, sessionId } = c.req.valid("param");
    const body = c.req.valid("json");
    const { instance } = await ownSession(c, id, sessionId);
    let invitees: string[];
    if (body.teamId) {
      if (!(await roleIn(db, body.teamId, p.userId))) throw notFound("team");
      invitees = (await membersOf(db, [body.teamId])).map((m) => m.userId).filter((u) => u !== p.userId);
    } else {
      const user = body.email ? await findUserByEmail(db, normalizeEmail(body.email)) : await findUserById(db, body.userId!);
      if (!user) throw new AppError("E-NOT-FOUND", "no account has this email", { fields: [{ path: body.email ? "email" : "userId", message: "no account" }] });
      if (user.id === p.userId) throw new AppError("E-VALIDATION", "the session is already yours", { fields: [{ path: "email", message: "is you" }] });
      const may = (await accessTo(db, standingPrincipal(user), instance)).permissions.includes("terminal:cloud_instance");
      if (!may) throw forbidden("they need terminal access to this instance first (share it with them)");
      invitees = [user.id];
    }
    const people = invitees.map((userId) => ({ userId, mode: body.mode }));
    await putParticipants(db, sessionId, p.userId, people);
    const stub = c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id));
    // A mode changed takes effect on their next join: their open sockets close now.
    for (const i of people) await stub.dropTerminalParticipant(sessionId, i.userId);
    await stub.terminalInvited(sessionId, people, p.user.name || p.user.email);
    await recordAudit(db, { actorId: p.userId, action: "cloud.terminal_participant_added", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { session: sessionId, participants: invitees, mode: body.mode, ...(body.teamId ? { team: body.teamId } : {}), ...actorDetail(p) } }, eventSink(c));
    return c.json({ participants: await listOf(c, sessionId) }, 200);
  },
);

participantRoutes.openapi(
  createRoute({ method: "delete", path: "/instance/{id}/terminal/sessions/{sessionId}/participants/{userId}", tags, ...signedIn,
    summary: "Drop a participant from your terminal session: their sockets on it close now, and they cannot join again unless invited",
    request: { params: params.extend({ userId: z.string().min(1).max(64) }) },
    responses: { 200: jsonResponse(z.object({ participants: z.array(participantSchema) }), "Participants"), ...errorResponses(401, 403, 404, 409) } }),
  async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const { id, sessionId, userId } = c.req.valid("param");
    const { instance } = await ownSession(c, id, sessionId);
    if (!(await removeParticipant(db, sessionId, userId))) throw notFound("participant");
    await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).dropTerminalParticipant(sessionId, userId);
    await recordAudit(db, { actorId: p.userId, action: "cloud.terminal_participant_dropped", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { session: sessionId, participant: userId, ...actorDetail(p) } }, eventSink(c));
    return c.json({ participants: await listOf(c, sessionId) }, 200);
  },
);
