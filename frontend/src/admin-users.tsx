import type { User } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "./alert.tsx";
import { ApiError, listUsers, setUserDisabled } from "./api.ts";
import { formatDate, roleList } from "./format.ts";

/** Admins only: every user, with a switch to disable (which ends their sessions) or enable them. */
export function AdminUsers({ me, onExpired }: { me: User; onExpired: () => void }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(e instanceof Error ? e.message : "Something went wrong.");
  }

  useEffect(() => {
    listUsers().then(setUsers, fail);
  }, []);

  async function toggle(u: User) {
    setBusyId(u.id);
    setError(null);
    setNotice(null);
    try {
      const { user, sessions_ended } = await setUserDisabled(u.id, !u.disabled);
      setUsers((list) => list?.map((x) => (x.id === user.id ? user : x)) ?? null);
      setNotice(user.disabled ? `${user.email} disabled; ${sessions_ended} session(s) ended.` : `${user.email} enabled.`);
    } catch (e) {
      fail(e);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {users === null ? (
        !error && <p class="muted">Loading users…</p>
      ) : (
        <div class="table-scroll" role="region" aria-labelledby="users-title" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <th scope="row">{u.email}</th>
                  <td>{u.name || "—"}</td>
                  <td>{roleList(u.roles)}</td>
                  <td>{u.disabled ? <span class="bad">Disabled</span> : "Active"}</td>
                  <td>
                    <time dateTime={u.created_at}>{formatDate(u.created_at)}</time>
                  </td>
                  <td>
                    {u.id === me.id ? (
                      <span class="muted">You</span>
                    ) : (
                      <button type="button" class={u.disabled ? "" : "danger"} onClick={() => toggle(u)} disabled={busyId === u.id}>
                        {u.disabled ? "Enable" : "Disable"}
                        <span class="visually-hidden"> {u.email}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
