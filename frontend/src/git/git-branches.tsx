import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { checkout, createBranch, deleteBranch, getBranches, type RepoRef } from "./git-api.ts";
import type { Act } from "./use-git-action.ts";
import { useGitQuery } from "./use-git-query.ts";

interface Props {
  r: RepoRef;
  version: number;
  busy: string | null;
  act: Act;
  /** A merge or rebase in progress: git refuses to switch, so the buttons say so first. */
  operation: string | null;
  onExpired: () => void;
}

/** The local branches: switch to one, create one, delete one. */
export function GitBranches({ r, version, busy, act, operation, onExpired }: Props) {
  const { data, error } = useGitQuery(() => getBranches(r), [version], onExpired);
  const [name, setName] = useState("");
  const [switchToNew, setSwitchToNew] = useState(true);

  async function create(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const branch = name.trim();
    if (!branch || busy !== null) return;
    const ok = await act("branch-create", async () => {
      await createBranch(r, branch, switchToNew);
      return switchToNew ? `Created ${branch} and switched to it.` : `Created ${branch}.`;
    });
    if (ok) setName("");
  }

  const remove = (branch: string) =>
    act("branch-delete", async () => {
      try {
        await deleteBranch(r, branch, false);
      } catch (e) {
        // git keeps a branch whose commits are nowhere else unless told; ask before losing them.
        if (!(e instanceof ApiError && e.status === 409 && /not fully merged/i.test(e.message))) throw e;
        if (!confirm(`${branch} has commits that are on no other branch. Delete it anyway? Those commits will be hard to find again.`)) return null;
        await deleteBranch(r, branch, true);
      }
      return `Deleted ${branch}.`;
    });

  const switchTo = (branch: string) => act("checkout", async () => (await checkout(r, branch), `Switched to ${branch}.`));

  return (
    <section class="stack" aria-labelledby="git-branches-title">
      <h3 id="git-branches-title">Branches</h3>
      {error && (
        <Alert>
          <p>Could not load the branches: {error}</p>
        </Alert>
      )}
      {!data ? (
        !error && <p class="muted">Loading branches…</p>
      ) : data.branches.length === 0 ? (
        <p class="muted">No branches yet: the first commit makes one.</p>
      ) : (
        <ul class="branch-list">
          {data.branches.map((b) => (
            <li key={b.name} aria-current={b.current ? "true" : undefined}>
              <span class="branch-name">
                <code>{b.name}</code>
                {b.current && <span class="badge">current</span>}
                <span class="sub">
                  {b.sha.slice(0, 7)}
                  {b.upstream && ` · tracks ${b.upstream}`}
                </span>
              </span>
              {!b.current && (
                <span class="button-row">
                  <button type="button" onClick={() => switchTo(b.name)} disabled={busy !== null || operation !== null} title={operation ? `Finish the ${operation} first` : undefined}>
                    Switch<span class="visually-hidden"> to {b.name}</span>
                  </button>
                  <button type="button" class="danger" onClick={() => remove(b.name)} disabled={busy !== null}>
                    Delete<span class="visually-hidden"> {b.name}</span>
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form" onSubmit={create}>
        <div class="field">
          <label for="git-new-branch">New branch</label>
          <input
            id="git-new-branch"
            name="branch"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            required
            maxLength={200}
            autocomplete="off"
            autocapitalize="off"
            spellcheck={false}
          />
        </div>
        <label class="check">
          <input type="checkbox" checked={switchToNew} onChange={(e) => setSwitchToNew(e.currentTarget.checked)} />
          Switch to it
        </label>
        <button type="submit" disabled={busy !== null}>
          Create branch
        </button>
      </form>
    </section>
  );
}
