import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { commit, type GitStatus, type RepoRef } from "./git-api.ts";
import type { Act } from "./use-git-action.ts";

/** A message and a Commit button: commits what is staged, as the signed-in user. */
export function CommitForm({ r, status, busy, act }: { r: RepoRef; status: GitStatus; busy: string | null; act: Act }) {
  const [message, setMessage] = useState("");
  // A merge may be concluded with nothing staged (every conflict resolved to one side).
  const canCommit = status.staged.length > 0 || status.operation === "merge";

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!message.trim() || busy !== null) return;
    const ok = await act("commit", async () => {
      const c = await commit(r, message);
      return `Committed ${c.sha.slice(0, 7)}: ${c.summary}`;
    });
    if (ok) setMessage("");
  }

  return (
    <form class="stack commit-form" onSubmit={submit}>
      <div class="field">
        <label for="git-commit-message">Commit message</label>
        <p id="git-commit-hint" class="hint">
          {canCommit ? "The first line is the summary; Ctrl+Enter commits. The commit is made in your name and email." : "Stage some changes to commit them."}
        </p>
        <textarea
          id="git-commit-message"
          name="message"
          rows={3}
          required
          maxLength={64 * 1024}
          value={message}
          onInput={(e) => setMessage(e.currentTarget.value)}
          // Ctrl+Enter (⌘+Enter) commits, as in most editors.
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
          }}
          aria-describedby="git-commit-hint"
          spellcheck
        />
      </div>
      <button type="submit" class="primary" disabled={!canCommit || busy !== null}>
        {busy === "commit" ? "Committing…" : "Commit"}
      </button>
    </form>
  );
}
