import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { commitDiff, getLog, type DiffTarget, type GitCommit, type RepoRef } from "./git-api.ts";
import type { ShowDiff } from "./git-changes.tsx";
import { useGitQuery } from "./use-git-query.ts";

const PAGE = 20;

interface Props {
  r: RepoRef;
  version: number;
  shown: DiffTarget | null;
  onShowDiff: ShowDiff;
  onExpired: () => void;
}

/** The history of the current branch, newest first, a page at a time; a commit opens its diff. */
export function GitLog({ r, version, shown, onShowDiff, onExpired }: Props) {
  // The first page is fetched again after every change; pages loaded later are appended to it.
  const first = useGitQuery(() => getLog(r, 0, PAGE), [version], onExpired);
  const [more, setMore] = useState<{ version: number; commits: GitCommit[]; hasMore: boolean } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const extra = more?.version === version ? more : null;
  const commits = first.data ? [...first.data.commits, ...(extra?.commits ?? [])] : [];
  const hasMore = extra ? extra.hasMore : (first.data?.has_more ?? false);

  async function loadMore() {
    setLoading(true);
    setError(null);
    try {
      const page = await getLog(r, commits.length, PAGE);
      setMore({ version, commits: [...(extra?.commits ?? []), ...page.commits], hasMore: page.has_more });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setError(e instanceof Error ? e.message : "Something went wrong.");
    } finally {
      setLoading(false);
    }
  }

  const shownSha = shown?.mode === "commits" ? shown.to : null;

  return (
    <section class="stack" aria-labelledby="git-log-title">
      <h3 id="git-log-title">History</h3>
      {(first.error || error) && (
        <Alert>
          <p>Could not load the history: {first.error ?? error}</p>
        </Alert>
      )}
      {!first.data ? (
        !first.error && <p class="muted">Loading the history…</p>
      ) : commits.length === 0 ? (
        <p class="muted">No commits yet.</p>
      ) : (
        <ol class="commit-list" aria-labelledby="git-log-title">
          {commits.map((c) => (
            <li key={c.sha}>
              <button
                type="button"
                class="link commit-subject"
                aria-pressed={c.sha === shownSha}
                onClick={() => onShowDiff(commitDiff(c), `Commit ${c.sha.slice(0, 7)}: ${c.subject}`)}
              >
                {c.subject || "(no message)"}
              </button>
              <span class="sub">
                <code>{c.sha.slice(0, 7)}</code> · {c.author_name} · <time dateTime={c.date}>{formatDate(c.date)}</time>
              </span>
            </li>
          ))}
        </ol>
      )}
      {hasMore && (
        <button type="button" onClick={loadMore} disabled={loading} class="align-start">
          {loading ? "Loading…" : "Show older commits"}
        </button>
      )}
    </section>
  );
}
