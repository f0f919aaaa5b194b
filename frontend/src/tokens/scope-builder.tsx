import { useRef, useState } from "preact/hooks";
import { draftGrant, draftProblem, newDraft, type ScopeContext, type ScopeDraft } from "./scope-drafts.ts";
import type { ScopeGrant } from "./tokens-api.ts";
import { ScopeRow } from "./scope-row.tsx";

/** The server takes at most this many grants (scopeListSchema). */
const MAX_SCOPES = 64;

interface Row {
  key: number;
  draft: ScopeDraft;
}

/**
 * The rows a scope builder edits, and what they come to when the form is sent. Problems show
 * from the first send on and follow each edit; the server's, kept by row, last until that row
 * is edited.
 */
export function useScopeRows(initial: () => ScopeDraft[], { focusFirst = false } = {}) {
  const counter = useRef(0);
  const [rows, setRows] = useState<Row[]>(() => initial().map((draft) => ({ key: ++counter.current, draft })));
  /** The row just added (or the first, when asked), whose picker takes focus. */
  const [added, setAdded] = useState<number | null>(focusFirst ? 1 : null);
  const [sent, setSent] = useState(false);
  const [refusals, setRefusals] = useState<Record<number, string>>({});

  return {
    rows,
    added,
    /** The problem to show beside a row, if any. */
    problemOf: (r: Row, ctx: ScopeContext) => refusals[r.key] ?? (sent ? draftProblem(r.draft, ctx) : null),
    update(key: number, draft: ScopeDraft) {
      setRows((rs) => rs.map((r) => (r.key === key ? { key, draft } : r)));
      setRefusals(({ [key]: _, ...rest }) => rest);
    },
    add() {
      const key = ++counter.current;
      setRows((rs) => [...rs, { key, draft: newDraft() }]);
      setAdded(key);
    },
    remove: (key: number) => setRows((rs) => rs.filter((r) => r.key !== key)),
    /** The grants to send, or null (and every problem shown) when a row is not ready. */
    check(ctx: ScopeContext): ScopeGrant[] | null {
      setSent(true);
      setRefusals({});
      return rows.some((r) => draftProblem(r.draft, ctx)) ? null : rows.map((r) => draftGrant(r.draft, ctx));
    },
    /** The server's problems with the rows just sent, by index (`scopes.N.…`). */
    refused(byIndex: Record<number, string>) {
      const byKey: Record<number, string> = {};
      for (const [i, message] of Object.entries(byIndex)) {
        const row = rows[Number(i)];
        if (row) byKey[row.key] = message;
      }
      setRefusals(byKey);
    },
  };
}

export type ScopeRows = ReturnType<typeof useScopeRows>;

interface ScopeBuilderProps {
  id: string;
  scopes: ScopeRows;
  ctx: ScopeContext;
  /** A problem with the list as a whole. */
  listError?: string;
  instancesNote?: string;
  legend?: string;
}

/** What a token may do: one or more scopes, each a resource and the actions allowed on it. */
export function ScopeBuilder({ id, scopes, ctx, listError, instancesNote, legend = "Scopes" }: ScopeBuilderProps) {
  const addRef = useRef<HTMLButtonElement>(null);

  function remove(key: number) {
    scopes.remove(key);
    // The row and its button are gone: keep the keyboard in the builder.
    addRef.current?.focus();
  }

  return (
    <fieldset class="scope-builder" aria-describedby={listError ? `${id}-error` : `${id}-hint`}>
      <legend>{legend}</legend>
      <p id={`${id}-hint`} class="hint">
        A token can do only what its scopes allow, and never more than you can. It can never manage tokens or your account.
      </p>
      {scopes.rows.map((r, i) => (
        <ScopeRow
          key={r.key}
          id={`${id}-${r.key}`}
          n={i + 1}
          draft={r.draft}
          ctx={ctx}
          onChange={(d) => scopes.update(r.key, d)}
          onRemove={scopes.rows.length > 1 ? () => remove(r.key) : undefined}
          error={scopes.problemOf(r, ctx)}
          focus={r.key === scopes.added}
          instancesNote={instancesNote}
        />
      ))}
      {listError && (
        <p id={`${id}-error`} class="field-error">
          {listError}
        </p>
      )}
      {scopes.rows.length < MAX_SCOPES && (
        <button type="button" class="align-start" ref={addRef} onClick={scopes.add}>
          Add another scope
        </button>
      )}
    </fieldset>
  );
}
