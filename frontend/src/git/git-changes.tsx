import { stage, unstage, type DiffTarget, type GitStatus, type RepoRef } from "./git-api.ts";
import type { Act } from "./use-git-action.ts";

/** git's porcelain letters in words. */
const CHANGE: Record<string, string> = {
  M: "modified",
  A: "added",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type changed",
  U: "unmerged",
};

type Change = GitStatus["staged"][number];

export interface ShowDiff {
  (target: DiffTarget, title: string): void;
}

interface Props {
  r: RepoRef;
  status: GitStatus;
  busy: string | null;
  act: Act;
  shown: DiffTarget | null;
  onShowDiff: ShowDiff;
}

const isShown = (shown: DiffTarget | null, mode: "worktree" | "index", path: string) => shown?.mode === mode && shown.path === path;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Staged, unstaged, untracked and conflicted files: stage or unstage each (or all), and open a file's diff. */
export function GitChanges({ r, status, busy, act, shown, onShowDiff }: Props) {
  const notStaged = [...status.unstaged.map((c) => c.path), ...status.untracked];
  const stageThese = (paths: string[], what: string) => act(`stage`, async () => (await stage(r, paths), `Staged ${what}.`));
  const unstageThese = (paths: string[], what: string) => act(`unstage`, async () => (await unstage(r, paths), `Unstaged ${what}.`));
  const clean = status.staged.length + notStaged.length + status.conflicted.length === 0;

  const fileButton = (mode: "worktree" | "index", c: Change) => (
    <button
      type="button"
      class="link file-path"
      aria-pressed={isShown(shown, mode, c.path)}
      onClick={() => onShowDiff({ mode, path: c.path }, `${mode === "index" ? "Staged" : "Unstaged"} changes to ${c.path}`)}
    >
      {c.path}
      <span class="visually-hidden">: show the diff</span>
    </button>
  );
  const changeWord = (c: Change) => (
    <span class="file-status">
      {CHANGE[c.status] ?? c.status}
      {c.orig_path && ` from ${c.orig_path}`}
    </span>
  );

  if (clean) return <p class="muted">Nothing to commit: the working tree is clean.</p>;

  return (
    <div class="stack git-changes">
      {status.conflicted.length > 0 && (
        <section aria-labelledby="git-conflicted-title">
          <h3 id="git-conflicted-title" class="bad">
            Conflicted ({status.conflicted.length})
          </h3>
          <p class="hint">Resolve these in a terminal or an editor, then stage them.</p>
          <ul class="file-list">
            {status.conflicted.map((path) => (
              <li key={path}>
                {fileButton("worktree", { path, status: "U" })}
                <span class="file-status bad">conflicted</span>
                <button type="button" onClick={() => stageThese([path], path)} disabled={busy !== null}>
                  Mark resolved<span class="visually-hidden"> {path}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="git-staged-title">
        <div class="list-head">
          <h3 id="git-staged-title">Staged ({status.staged.length})</h3>
          {status.staged.length > 1 && (
            <button type="button" onClick={() => unstageThese(status.staged.map((c) => c.path), plural(status.staged.length, "file"))} disabled={busy !== null}>
              Unstage all
            </button>
          )}
        </div>
        {status.staged.length === 0 ? (
          <p class="muted">Nothing staged yet.</p>
        ) : (
          <ul class="file-list">
            {status.staged.map((c) => (
              <li key={c.path}>
                {fileButton("index", c)}
                {changeWord(c)}
                <button type="button" onClick={() => unstageThese([c.path], c.path)} disabled={busy !== null}>
                  Unstage<span class="visually-hidden"> {c.path}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="git-unstaged-title">
        <div class="list-head">
          <h3 id="git-unstaged-title">Not staged ({notStaged.length})</h3>
          {notStaged.length > 0 && (
            <button type="button" onClick={() => stageThese(notStaged, plural(notStaged.length, "file"))} disabled={busy !== null}>
              Stage all
            </button>
          )}
        </div>
        {notStaged.length === 0 ? (
          <p class="muted">No other changes.</p>
        ) : (
          <ul class="file-list">
            {status.unstaged.map((c) => (
              <li key={c.path}>
                {fileButton("worktree", c)}
                {changeWord(c)}
                <button type="button" onClick={() => stageThese([c.path], c.path)} disabled={busy !== null}>
                  Stage<span class="visually-hidden"> {c.path}</span>
                </button>
              </li>
            ))}
            {status.untracked.map((path) => (
              <li key={path}>
                {/* git has no diff for a file it does not track yet: stage it to see one. */}
                <span class="file-path">{path}</span>
                <span class="file-status">untracked</span>
                <button type="button" onClick={() => stageThese([path], path)} disabled={busy !== null}>
                  Stage<span class="visually-hidden"> {path}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
