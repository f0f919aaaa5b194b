import type { Team, TeamRole } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { formatDate } from "../format.ts";
import { addTeamMember, createTeam, listTeams, removeTeamMember } from "./teams-api.ts";

const ROLES: { id: TeamRole; label: string }[] = [
  { id: "member", label: "Member" },
  { id: "admin", label: "Admin (adds and removes members)" },
  { id: "owner", label: "Owner (also makes owners)" },
];

/**
 * Settings › Teams: the teams you are in, with their members; make a team, add a member by email
 * with a role, remove one (or leave). A share given to a team (Shares, or `team_id` in the API)
 * reaches every member while they are one, and ends for a removed member on their next request.
 */
export function TeamsPanel({ onExpired, userId }: { onExpired: () => void; userId: string }) {
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [error, setError] = useState<{ text: string; field?: string; attempt: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const reload = () => listTeams().then((r) => setTeams(r.teams), fail);
  useEffect(() => {
    reload();
  }, []);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    const field = e instanceof ApiError ? e.fields?.[0]?.path : undefined;
    setError({ text: e instanceof Error ? e.message : "Something went wrong.", field, attempt: (error?.attempt ?? 0) + 1 });
  }

  async function run(what: string, action: () => Promise<string>) {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      await reload();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }

  function create(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get("name") ?? "").trim();
    void run("create", async () => {
      await createTeam(name);
      form.reset();
      return `Team “${name}” created. You are its owner.`;
    });
  }

  return (
    <section class="card" aria-labelledby="teams-title">
      <h2 id="teams-title">Teams</h2>
      <p class="muted">Share with a team in one step: everyone in it gets the share while they are a member, and loses it the moment they are removed.</p>
      {error && <Alert key={error.attempt}>{error.text}</Alert>}
      {notice && <Notice text={notice} />}
      <form class="inline-form" onSubmit={create} aria-label="Create a team">
        <Field id="team-name" name="name" label="New team's name" required maxLength={80} />
        <button type="submit" class="primary" disabled={busy === "create"}>
          {busy === "create" ? "Creating…" : "Create team"}
        </button>
      </form>
      {teams === null ? (
        !error && <p class="muted">Loading…</p>
      ) : teams.length === 0 ? (
        <p class="muted">You are in no team yet.</p>
      ) : (
        teams.map((t) => <TeamCard key={t.id} team={t} userId={userId} busy={busy} run={run} fieldError={error?.field === "email" && busy === null ? error.text : undefined} />)
      )}
    </section>
  );
}

function TeamCard({ team, userId, busy, run, fieldError }: { team: Team; userId: string; busy: string | null; run: (what: string, action: () => Promise<string>) => Promise<void>; fieldError?: string | undefined }) {
  const manages = team.role !== "member";
  function add(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const email = String(data.get("email") ?? "").trim();
    const role = String(data.get("role") ?? "member") as TeamRole;
    void run(`add-${team.id}`, async () => {
      await addTeamMember(team.id, email, role);
      form.reset();
      return `${email} is in ${team.name}.`;
    });
  }
  return (
    <div class="stack" role="group" aria-labelledby={`team-${team.id}`}>
      <h3 id={`team-${team.id}`}>
        {team.name} <span class="muted">(you: {team.role})</span>
      </h3>
      <table>
        <caption class="visually-hidden">Members of {team.name}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">Since</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {team.members.map((m) => {
            const self = m.user_id === userId;
            const canRemove = self || (manages && (m.role !== "owner" || team.role === "owner"));
            return (
              <tr key={m.user_id}>
                <td>
                  {m.name} <span class="muted">{m.email}</span>
                </td>
                <td>{m.role}</td>
                <td>
                  <time dateTime={m.added_at}>{formatDate(m.added_at)}</time>
                </td>
                <td>
                  {canRemove && (
                    <button type="button" disabled={busy !== null} onClick={() => void run(`remove-${m.user_id}`, async () => (await removeTeamMember(team.id, m.user_id), self ? `You left ${team.name}.` : `${m.email} is no longer in ${team.name}.`))}>
                      {self ? `Leave ${team.name}` : `Remove ${m.email}`}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {manages && (
        <form class="inline-form" onSubmit={add} aria-label={`Add a member to ${team.name}`}>
          <Field id={`team-${team.id}-email`} name="email" label="Member's email" type="email" autocomplete="off" required maxLength={254} error={fieldError} />
          <div class="field">
            <label for={`team-${team.id}-role`}>Role</label>
            <select id={`team-${team.id}-role`} name="role">
              {ROLES.filter((r) => r.id !== "owner" || team.role === "owner").map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={busy === `add-${team.id}`}>
            {busy === `add-${team.id}` ? "Adding…" : "Add member"}
          </button>
        </form>
      )}
    </div>
  );
}
