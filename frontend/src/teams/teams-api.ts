import type { Team, TeamRole } from "@anchorage/common";
import { authed, request } from "../api.ts";

export const listTeams = () => authed(() => request<{ teams: Team[] }>("GET", "/api/teams"));
export const createTeam = (name: string) => authed(() => request<Team>("POST", "/api/teams", { name }));
export const addTeamMember = (teamId: string, email: string, role: TeamRole) => authed(() => request<Team>("POST", `/api/teams/${encodeURIComponent(teamId)}/members`, { email, role }));
export const removeTeamMember = (teamId: string, userId: string) => authed(() => request<{ success: true }>("DELETE", `/api/teams/${encodeURIComponent(teamId)}/members/${encodeURIComponent(userId)}`));
