import type { User } from "@anchorage/common";
import { Alert, Notice } from "./alert.tsx";
import { listUsers, setUserDisabled } from "./api.ts";
import { useListActions } from "./use-list-actions.ts";
import { formatDate, roleList } from "./format.ts";

/** Admins only: every user, with a switch to disable (which ends their sessions) or enable them. */
export function AdminUsers({ me, onExpired }: { me: User; onExpired: () => void }) {
  const { items: users, setItems: setUsers, error, notice, busyId, act } = useListActions(listUsers, onExpired);

  const toggle = (u: User) =>
    act(u.id, async () => {
      const { user, sessions_ended } = await setUserDisabled(u.id, !u.disabled);
      setUsers((list) => list?.map((x) => (x.id === user.id ? user : x)) ?? null);
      return user.disabled ? `${user.email} disabled; ${sessions_ended} session(s) ended.` : `${user.email} enabled.`;
    });

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
