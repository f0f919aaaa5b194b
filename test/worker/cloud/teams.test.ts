import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, type Session } from "../helpers.ts";
import { FakeAgent } from "./fake-agent.ts";

/**
 * Teams: a share given to a team reaches each member on their next request and ends for a member
 * removed on their next request, whatever copies of their grants this location held.
 */

async function createTeam(s: Session, name = "ops") {
  const res = await call("/api/teams", { token: s.access, body: { name } });
  expect(res.status).toBe(201);
  return (await json(res)) as { id: string; role: string; members: { user_id: string; role: string }[] };
}
const addMember = (s: Session, teamId: string, email: string, role?: string) => call(`/api/teams/${teamId}/members`, { token: s.access, body: { email, ...(role ? { role } : {}) } });
const removeMember = (s: Session, teamId: string, userId: string) => call(`/api/teams/${teamId}/members/${userId}`, { method: "DELETE", token: s.access });
const readInstance = (s: Session, id: string) => call(`/api/cloud/instance/${id}`, { token: s.access });

async function teamShare(owner: Session, teamId: string, body: Record<string, unknown> = {}) {
  const res = await call("/api/cloud/shares/save", { token: owner.access, body: { teamId, ...body } });
  expect(res.status).toBe(200);
  return json(res);
}

describe("teams", () => {
  it("makes its creator the owner, lists members to members only, and keeps roles in their place", async () => {
    const owner = await register();
    const admin = await register();
    const member = await register();
    const stranger = await register();
    const team = await createTeam(owner);
    expect(team.role).toBe("owner");
    expect(team.members).toEqual([expect.objectContaining({ user_id: owner.userId, role: "owner" })]);

    expect((await addMember(owner, team.id, admin.email, "admin")).status).toBe(200);
    expect((await addMember(admin, team.id, member.email)).status).toBe(200);
    const listed = await json(await call("/api/teams", { token: member.access }));
    expect(listed.teams).toHaveLength(1);
    expect(listed.teams[0]).toMatchObject({ id: team.id, name: "ops", role: "member" });
    expect(listed.teams[0].members.map((m: { user_id: string }) => m.user_id).sort()).toEqual([owner.userId, admin.userId, member.userId].sort());

    // Someone outside never learns the team exists; a member cannot add; an admin cannot make owners.
    expect((await addMember(stranger, team.id, stranger.email)).status).toBe(404);
    expect((await json(await call("/api/teams", { token: stranger.access }))).teams).toEqual([]);
    expect((await addMember(member, team.id, stranger.email)).status).toBe(403);
    expect((await addMember(admin, team.id, stranger.email, "owner")).status).toBe(403);
    expect((await removeMember(admin, team.id, owner.userId)).status).toBe(403);
    // An email without an account is said so beside its field; a bad body changes nothing.
    const unknown = await addMember(owner, team.id, "nobody-here@example.com");
    expect(unknown.status).toBe(404);
    expect(errorOf(await json(unknown)).fields?.[0]?.path).toBe("email");
    expect((await call("/api/teams", { token: owner.access, body: { name: "" } })).status).toBe(400);
    // The last owner cannot leave; a member can.
    expect((await removeMember(owner, team.id, owner.userId)).status).toBe(409);
    expect((await removeMember(member, team.id, member.userId)).status).toBe(200);
    expect((await json(await call("/api/teams", { token: member.access }))).teams).toEqual([]);
  });

  it("gives a team's share to every member, and takes it away from a removed member on their very next request", async () => {
    const owner = await register();
    const member = await register();
    const other = await register();
    const agent = await FakeAgent.register(owner);
    const team = await createTeam(owner);
    expect((await addMember(owner, team.id, member.email)).status).toBe(200);
    // Before the share, and for someone outside the team, the instance does not exist.
    expect((await readInstance(member, agent.instanceId)).status).toBe(404);
    const share = await teamShare(owner, team.id, { instance_id: agent.instanceId, permissions: ["read:cloud_instance"] });
    expect(share).toMatchObject({ team_id: team.id, team_name: "ops", instance_id: agent.instanceId });
    expect((await readInstance(member, agent.instanceId)).status).toBe(200);
    expect((await readInstance(member, agent.instanceId)).status).toBe(200); // now answered from the copy of their grants
    expect((await readInstance(other, agent.instanceId)).status).toBe(404);
    const instances = await json(await call("/api/cloud/instances", { token: member.access }));
    expect(JSON.stringify(instances)).toContain(agent.instanceId);
    const received = (await json(await call("/api/cloud/shares/list", { token: member.access }))).received;
    expect(received).toEqual([expect.objectContaining({ id: share.id, team_id: team.id, owner_email: owner.email })]);
    // A new member holds it at once too.
    expect((await addMember(owner, team.id, other.email)).status).toBe(200);
    expect((await readInstance(other, agent.instanceId)).status).toBe(200);

    expect((await removeMember(owner, team.id, member.userId)).status).toBe(200);
    expect((await readInstance(member, agent.instanceId)).status).toBe(404);
    expect((await readInstance(other, agent.instanceId)).status).toBe(200);
  });

  it("ends for every member at once when the team's share is disabled or revoked, and refuses a team the owner is not in", async () => {
    const owner = await register();
    const member = await register();
    const outsider = await register();
    const agent = await FakeAgent.register(owner);
    const team = await createTeam(owner);
    await addMember(owner, team.id, member.email);
    const share = await teamShare(owner, team.id, { instance_id: agent.instanceId });
    expect((await readInstance(member, agent.instanceId)).status).toBe(200);
    await teamShare(owner, team.id, { id: share.id, enabled: false });
    expect((await readInstance(member, agent.instanceId)).status).toBe(404);
    await teamShare(owner, team.id, { id: share.id, enabled: true });
    expect((await readInstance(member, agent.instanceId)).status).toBe(200);
    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: share.id } })).status).toBe(200);
    expect((await readInstance(member, agent.instanceId)).status).toBe(404);

    // Sharing with someone else's team (or none): 404, and nothing is shared.
    const theirs = await createTeam(outsider, "theirs");
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { team_id: theirs.id, instance_id: agent.instanceId } })).status).toBe(404);
    expect((await json(await call("/api/cloud/shares/list", { token: owner.access }))).given).toEqual([]);
  });
});
