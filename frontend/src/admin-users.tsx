import type { User } from "@anchorage/common";
import { useState } from "preact/hooks";
import { deleteUser } from "./admin/admin-api.ts";
import { CreateUserForm } from "./admin/create-user-form.tsx";
import { Alert, Notice } from "./alert.tsx";
import { listUsers, setUserDisabled, type AuthConfig } from "./api.ts";
import { ConfirmAction } from "./confirm-action.tsx";
import { useListActions } from "./use-list-actions.ts";
import { formatDate, roleList } from "./format.ts";

interface AdminUsersProps {
  me: User;
  passwordPolicy?: AuthConfig["password_policy"];
  onExpired: () => void;
}

/**
 * Admins only: every user; a new one; disable one (which ends their sessions) or enable them;
 * delete one and everything of theirs after a confirmation. Nobody acts on their own row here.
 */
export function AdminUsers({ me, passwordPolicy, onExpired }: AdminUsersProps) {
  const { items: users, setItems: setUsers, error, notice, busyId, act } = useListActions(listUsers, onExpired);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  const remove = (u: User) =>
    act(u.id, async () => {
      await deleteUser(u.id);
      setUsers((list) => list?.filter((x) => x.id !== u.id) ?? null);
      return `${u.email} deleted, with everything of theirs.`;
    });

  const toggle = (u: User) =>
    act(u.id, async () => {
      const { user, sessions_ended } = await setUserDisabled(u.id, !u.disabled);
      setUsers((list) => list?.map((x) => (x.id === user.id ? user : x)) ?? null);
      return user.disabled ? `${user.email} disabled; ${sessions_ended} session(s) ended.` : `${user.email} enabled.`;
    });

  return (
    <section class="card" aria-labelledby="users-title">
      <div class="section-head">
        <h2 id="users-title">Users</h2>
        {!creating && (
          <button
            type="button"
            onClick={() => {
              setCreated(null);
              setCreating(true);
            }}
          >
            New user
          </button>
        )}
      </div>
      {creating && (
        <CreateUserForm
          passwordPolicy={passwordPolicy}
          onCreated={(u) => {
            setUsers((list) => [u, ...(list ?? [])]);
            setCreating(false);
            setCreated(`${u.email} created.`);
          }}
          onCancel={() => setCreating(false)}
          onExpired={onExpired}
        />
      )}
      {error && <Alert>{error}</Alert>}
      {(notice ?? created) && <Notice text={(notice ?? created)!} />}
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
                      <span class="button-row">
                        <button type="button" class={u.disabled ? "" : "danger"} onClick={() => toggle(u)} disabled={busyId === u.id}>
                          {u.disabled ? "Enable" : "Disable"}
                          <span class="visually-hidden"> {u.email}</span>
                        </button>
                        <ConfirmAction
                          label="Delete"
                          subject={u.email}
                          busyLabel="Deleting…"
                          question={`Delete ${u.email} and everything of theirs (instances, shares, tokens, data)? This cannot be undone.`}
                          confirmLabel="Delete"
                          busy={busyId === u.id}
                          onConfirm={() => void remove(u)}
                        />
                      </span>
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
