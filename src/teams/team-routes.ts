import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { teamCreateRequestSchema, teamMemberAddRequestSchema, teamSchema, type TeamRole } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { newRouter } from "../http/router.ts";
import { AppError, forbidden, notFound } from "../../core/app-error.ts";
import { clientIp } from "../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../http/openapi-common.ts";
import { recordAudit } from "../audit/audit-log.ts";
import { eventSink } from "../audit/event-sink.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import { actorDetail } from "../../core/auth/principal.ts";
import { findUserByEmail, normalizeEmail } from "../../core/users/users.ts";
import { enforceRateLimits, RATE_LIMITS } from "../auth/rate-limit/rate-limits.ts";
import { createTeam, findTeam, membersOf, ownerCount, ownersSharingWith, putMember, removeMember, roleIn, teamsOf } from "../../core/teams/team-store.ts";
import { teamGrantsChanged } from "../cloud/shares/team-shares.ts";

/**
 * Teams: a share given to a team reaches every member while they are one (cloud/shares/team-shares.ts).
 * Only members see a team (anyone else gets 404); owners and admins add and remove members,
 * owners alone make or remove owners, a member may leave, and a team always keeps an owner.
 */
export const teamRoutes = newRouter();
const tags = ["teams"];
const teamIdParam = z.object({ id: z.string().max(64) });

type MemberRow = Awaited<ReturnType<typeof membersOf>>[number];
const memberView = (m: MemberRow) => ({ user_id: m.userId, email: m.email, name: m.name, role: m.role, added_at: m.addedAt });

async function teamView(c: Context<AppEnv>, teamId: string, role: TeamRole) {
  const db = c.get("db");
  const team = (await findTeam(db, teamId))!;
  const members = await membersOf(db, [teamId]);
  return { id: team.id, name: team.name, role, created_at: team.createdAt, members: members.map(memberView) };
}

/** The caller's role in a team they are in; 404 for everyone else, as if it did not exist. */
async function requireRole(c: Context<AppEnv>, teamId: string): Promise<TeamRole> {
  const role = await roleIn(c.get("db"), teamId, c.get("principal").userId);
  if (!role) throw notFound("team");
  return role;
}

/** Joining or leaving changes what the member holds from every owner who shared with the team. */
async function membershipChanged(c: Context<AppEnv>, teamId: string, userId: string, left: boolean) {
  const db = c.get("db");
  const pairs = (await ownersSharingWith(db, teamId)).filter((o) => o !== userId).map((ownerId) => ({ ownerId, granteeId: userId }));
  await teamGrantsChanged(c.env, db, pairs, left);
}

teamRoutes.openapi(
  createRoute({ method: "get", path: "/", tags, ...signedIn, summary: "The teams you are in, with their members and your role",
    responses: { 200: jsonResponse(z.object({ teams: z.array(teamSchema) }), "Teams"), ...errorResponses(401) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "read:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const mine = await teamsOf(db, p.userId);
    const members = await membersOf(db, mine.map((t) => t.team.id));
    const teams = mine.map(({ team, role }) => ({
      id: team.id, name: team.name, role, created_at: team.createdAt,
      members: members.filter((m) => m.teamId === team.id).map(memberView),
    }));
    return c.json({ teams }, 200);
  },
);

teamRoutes.openapi(
  createRoute({ method: "post", path: "/", tags, ...signedIn, summary: "Create a team; you are its owner", request: { body: jsonBody(teamCreateRequestSchema) },
    responses: { 201: jsonResponse(teamSchema, "The team"), ...errorResponses(400, 401, 403, 429) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    await enforceRateLimits(c.env, [{ key: `team-create:user:${p.userId}`, rule: RATE_LIMITS.shareCreatePerAccount }]);
    const db = c.get("db");
    const team = await createTeam(db, p.userId, c.req.valid("json").name);
    await recordAudit(db, { actorId: p.userId, action: "team.created", subjectId: team.id, ip: clientIp(c.req.raw), detail: { name: team.name, ...actorDetail(p) } }, eventSink(c));
    return c.json(await teamView(c, team.id, "owner"), 201);
  },
);

teamRoutes.openapi(
  createRoute({ method: "post", path: "/{id}/members", tags, ...signedIn,
    summary: "Add a member to a team by email (or change a member's role); owners and admins only, owners alone make owners",
    request: { params: teamIdParam, body: jsonBody(teamMemberAddRequestSchema) },
    responses: { 200: jsonResponse(teamSchema, "The team"), ...errorResponses(400, 401, 403, 404, 409, 429) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const { email, role } = c.req.valid("json");
    const mine = await requireRole(c, id);
    if (mine === "member") throw forbidden("only a team's owners and admins add members");
    await enforceRateLimits(c.env, [{ key: `team-member:user:${p.userId}`, rule: RATE_LIMITS.shareCreatePerAccount }]);
    const user = await findUserByEmail(db, normalizeEmail(email));
    if (!user) throw new AppError("E-NOT-FOUND", "no account has this email; ask them to sign up first", { fields: [{ path: "email", message: "no account" }] });
    const theirs = await roleIn(db, id, user.id);
    if (mine !== "owner" && (role === "owner" || theirs === "owner")) throw forbidden("only a team's owners make or change owners");
    if (theirs === "owner" && role !== "owner" && (await ownerCount(db, id)) === 1) throw new AppError("E-CONFLICT", "a team keeps at least one owner");
    const joined = await putMember(db, id, user.id, role);
    if (joined) await membershipChanged(c, id, user.id, false);
    await recordAudit(db, { actorId: p.userId, action: joined ? "team.member_added" : "team.member_role_changed", subjectId: id, ip: clientIp(c.req.raw), detail: { member: user.id, role, ...actorDetail(p) } }, eventSink(c));
    return c.json(await teamView(c, id, mine), 200);
  },
);

teamRoutes.openapi(
  createRoute({ method: "delete", path: "/{id}/members/{userId}", tags, ...signedIn,
    summary: "Remove a member (or leave): what the team's shares gave them ends on their next request, open terminals included",
    request: { params: teamIdParam.extend({ userId: z.string().max(64) }) },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Removed"), ...errorResponses(401, 403, 404, 409) } }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "write:cloud_shares", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const { id, userId } = c.req.valid("param");
    const mine = await requireRole(c, id);
    const theirs = await roleIn(db, id, userId);
    if (!theirs) throw notFound("member");
    const self = userId === p.userId;
    if (!self && mine === "member") throw forbidden("only a team's owners and admins remove members");
    if (!self && theirs === "owner" && mine !== "owner") throw forbidden("only a team's owners remove an owner");
    if (theirs === "owner" && (await ownerCount(db, id)) === 1) throw new AppError("E-CONFLICT", "a team keeps at least one owner; make someone else owner first");
    await removeMember(db, id, userId);
    await membershipChanged(c, id, userId, true);
    await recordAudit(db, { actorId: p.userId, action: "team.member_removed", subjectId: id, ip: clientIp(c.req.raw), detail: { member: userId, ...actorDetail(p) } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
