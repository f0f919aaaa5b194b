import type { Instance } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import type { Hub } from "../instances/use-events.ts";
import { CommitForm } from "./commit-form.tsx";
import { DiffView } from "./diff-view.tsx";
import { getStatus, listRepos, type DiffTarget, type GitStatus, type RepoRef } from "./git-api.ts";
import { GitBranches } from "./git-branches.tsx";
import { GitChanges } from "./git-changes.tsx";
import { GitLog } from "./git-log.tsx";
import { RemoteActions } from "./git-remote.tsx";
import { useGitAction } from "./use-git-action.ts";
import { useGitQuery } from "./use-git-query.ts";

/** Git in the instance's repositories (those under its project roots): status, commit, branches, remote, history, diffs. */
export function GitPanel({ instance, hub, onExpired }: { instance: Instance; hub: Hub; onExpired: () => void }) {
  const repos = useGitQuery(() => listRepos(instance.id), [], onExpired);
  const [repo, setRepo] = useState<string | null>(null);

  // One repository, or the one chosen before is gone: pick the first.
  useEffect(() => {
    const list = repos.data;
    if (list && !list.some((x) => x.path === repo)) setRepo(list[0]?.path ?? null);
  }, [repos.data]);

  /** The picker names each repository's branch: after a checkout (here or seen in a fresh status), the new one. */
  function showBranch(path: string, branch: string | null) {
    repos.setData((list) => (list?.some((x) => x.path === path && x.branch !== branch) ? list.map((x) => (x.path === path ? { ...x, branch } : x)) : list));
  }

  return (
    <section class="stack" aria-labelledby="git-title">
      <div class="section-head">
        <h2 id="git-title">Git</h2>
        <button type="button" onClick={repos.reload}>
          Find repositories again
        </button>
      </div>
      {repos.error && (
        <Alert>
          <p>Could not list the repositories: {repos.error}</p>
          <button type="button" onClick={repos.reload}>
            Try again
          </button>
        </Alert>
      )}
      {!repos.data ? (
        !repos.error && <p class="muted">Looking for repositories…</p>
      ) : repos.data.length === 0 ? (
        <p class="muted">No git repositories under this instance's project roots (the agent's config names them as roots).</p>
      ) : (
        <>
          <div class="field">
            <label for="git-repo">Repository</label>
            <select id="git-repo" value={repo ?? ""} onChange={(e) => setRepo(e.currentTarget.value)}>
              {repos.data.map((x) => (
                <option key={x.path} value={x.path}>
                  {x.path}
                  {x.branch ? ` (${x.branch})` : ""}
                </option>
              ))}
            </select>
          </div>
          {repo && <RepoView key={repo} r={{ instanceId: instance.id, repo }} hub={hub} onExpired={onExpired} onBranch={(branch) => showBranch(repo, branch)} />}
        </>
      )}
    </section>
  );
}

const OPERATION: Record<NonNullable<GitStatus["operation"]>, string> = {
  merge: "A merge",
  rebase: "A rebase",
  "cherry-pick": "A cherry-pick",
  revert: "A revert",
  bisect: "A bisect",
};

function branchLine(s: GitStatus): string {
  if (s.head === null) return `On ${s.branch ?? "an unborn branch"}: no commits yet.`;
  if (s.branch === null) return `HEAD is detached at ${s.head.slice(0, 7)}.`;
  return `On branch ${s.branch} at ${s.head.slice(0, 7)}.`;
}

/** One repository: everything below the picker, remade when another repository is picked. */
function RepoView({ r, hub, onExpired, onBranch }: { r: RepoRef; hub: Hub; onExpired: () => void; onBranch: (branch: string | null) => void }) {
  const { busy, error, notice, version, act, refresh } = useGitAction(onExpired);
  const status = useGitQuery(() => getStatus(r), [version], onExpired);
  const [diff, setDiff] = useState<{ target: DiffTarget; title: string } | null>(null);
  const s = status.data;
  useEffect(() => {
    if (s) onBranch(s.branch);
  }, [s?.branch, s !== null]);

  return (
    <div class="stack git-repo">
      <div class="list-head">
        <p class="git-branch-line">{s ? branchLine(s) : status.error ? "" : "Reading the status…"}</p>
        <button type="button" onClick={refresh} disabled={busy !== null}>
          Refresh
        </button>
      </div>
      {status.error && (
        <Alert>
          <p>Could not read the status: {status.error}</p>
        </Alert>
      )}
      {error && (
        <Alert key={error.attempt}>
          <p>{error.message}</p>
        </Alert>
      )}
      {notice && <Notice text={notice} />}
      {s?.operation && (
        <div class="warning" role="status">
          <p>
            <strong>{OPERATION[s.operation]} is in progress.</strong> Finish or abort it in a terminal (
            <code>{s.operation === "bisect" ? "git bisect reset" : `git ${s.operation} --abort`}</code> abandons it); until then, switching branches is
            refused.
          </p>
        </div>
      )}
      {s && (
        <>
          <section class="stack" aria-labelledby="git-changes-title">
            <h3 id="git-changes-title">Changes</h3>
            <GitChanges r={r} status={s} busy={busy} act={act} shown={diff?.target ?? null} onShowDiff={(target, title) => setDiff({ target, title })} />
            <CommitForm r={r} status={s} busy={busy} act={act} />
          </section>
          {diff && <DiffView key={JSON.stringify(diff.target)} r={r} target={diff.target} title={diff.title} version={version} onClose={() => setDiff(null)} onExpired={onExpired} />}
          <RemoteActions r={r} status={s} hub={hub} busy={busy} act={act} />
          <GitBranches r={r} version={version} busy={busy} act={act} operation={s.operation} onExpired={onExpired} />
          <GitLog r={r} version={version} shown={diff?.target ?? null} onShowDiff={(target, title) => setDiff({ target, title })} onExpired={onExpired} />
        </>
      )}
    </div>
  );
}
