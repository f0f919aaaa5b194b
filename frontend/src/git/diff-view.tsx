import { Alert } from "../alert.tsx";
import { useFocusOnMount } from "../focus.ts";
import { getDiff, type DiffTarget, type RepoRef } from "./git-api.ts";
import { useGitQuery } from "./use-git-query.ts";

/** Lines drawn at most; a larger diff says how much more there is. */
const MAX_LINES = 5000;

type Kind = "add" | "del" | "hunk" | "meta" | "ctx";

/**
 * Each line of a unified diff with what it is. Inside a hunk, + and - are changes; outside one,
 * the `---`/`+++` file names and the other headers are not.
 */
export function classifyDiff(diff: string): { text: string; kind: Kind }[] {
  const out: { text: string; kind: Kind }[] = [];
  let inHunk = false;
  const lines = diff.endsWith("\n") ? diff.slice(0, -1).split("\n") : diff.split("\n");
  for (const text of lines) {
    let kind: Kind;
    if (text.startsWith("@@")) {
      inHunk = true;
      kind = "hunk";
    } else if (text.startsWith("diff ")) {
      inHunk = false;
      kind = "meta";
    } else if (!inHunk) kind = "meta";
    else if (text.startsWith("+")) kind = "add";
    else if (text.startsWith("-")) kind = "del";
    else kind = "ctx";
    out.push({ text, kind });
  }
  return out;
}

/** A diff in a <pre>: added lines green, removed lines red (the + and - say it without colour). */
export function DiffView({ r, target, title, version, onClose, onExpired }: { r: RepoRef; target: DiffTarget; title: string; version: number; onClose: () => void; onExpired: () => void }) {
  // Opened from the history further down: bring it into view and put the reader on it.
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const key = JSON.stringify(target);
  const { data, error } = useGitQuery(() => getDiff(r, target), [key, version], onExpired);
  const lines = data ? classifyDiff(data.diff) : [];

  return (
    <section class="stack diff" aria-labelledby="git-diff-title">
      <div class="list-head">
        <h3 id="git-diff-title" ref={headingRef} tabIndex={-1}>
          {title}
        </h3>
        <button type="button" onClick={onClose}>
          Close diff
        </button>
      </div>
      {error && (
        <Alert>
          <p>Could not load the diff: {error}</p>
        </Alert>
      )}
      {!data ? (
        !error && <p class="muted">Loading the diff…</p>
      ) : data.diff === "" ? (
        <p class="muted">No differences.</p>
      ) : (
        <>
          <pre class="diff-lines" tabIndex={0} aria-labelledby="git-diff-title">
            {lines.slice(0, MAX_LINES).map((l, i) => (
              // Block lines (so a line's colour spans the width); an empty one keeps its height.
              <span key={i} class={`diff-${l.kind}`}>
                {l.text || " "}
              </span>
            ))}
          </pre>
          {(lines.length > MAX_LINES || data.truncated) && (
            <p class="muted">
              {lines.length > MAX_LINES && `Showing the first ${MAX_LINES} of ${lines.length} lines. `}
              {data.truncated && "The instance cut this diff short: it is larger than it sends."}
            </p>
          )}
        </>
      )}
    </section>
  );
}
