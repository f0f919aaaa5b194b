import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { getAuditPage } from "./audit-api.ts";
import { auditQuery, emptyFilters, type AuditFilterField, type AuditFilters } from "./audit-query.ts";
import { actionSuggestions, describeEntry, type AuditContext, type AuditEntry } from "./audit-words.ts";

interface AuditSectionProps {
  scope: "own" | "all";
  ctx: AuditContext;
  resolveEmail?: (email: string) => string | undefined;
  onExpired: () => void;
}

const SUGGESTIONS = actionSuggestions();
/** The server's names for the filters, as the form calls them. */
const SERVER_FIELDS: Record<string, AuditFilterField> = { action: "action", since: "since", until: "until", actor_id: "actor", subject_id: "subject" };

/**
 * An audit log, newest first: your own ("own") or everyone's ("all", admins). Filter by action
 * prefix and days (and, for admins, by who acted and on whom); older pages load below on request.
 */
export function AuditSection({ scope, ctx, resolveEmail, onExpired }: AuditSectionProps) {
  const id = scope === "own" ? "activity" : "audit-log";
  const [draft, setDraft] = useState<AuditFilters>(emptyFilters);
  const [applied, setApplied] = useState<AuditFilters>(emptyFilters);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [problems, setProblems] = useState<Partial<Record<AuditFilterField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  const listRef = useRef<HTMLOListElement>(null);

  /** Loads the first page for `filters`, or the page after `after` (appended). */
  async function load(filters: AuditFilters, after: number | null) {
    const built = auditQuery(filters, { cursor: after, resolveEmail });
    if (!built.ok) {
      setProblems(built.problems);
      return;
    }
    const n = ++seq.current;
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      const page = await getAuditPage(scope, built.query);
      if (n !== seq.current) return;
      setEntries((old) => (after && old ? [...old, ...page.entries] : page.entries));
      setCursor(page.next_cursor);
      setApplied(filters);
    } catch (e) {
      if (n !== seq.current) return;
      if (e instanceof ApiError && e.status === 401) return onExpired();
      const byField: Partial<Record<AuditFilterField, string>> = {};
      if (e instanceof ApiError) for (const f of e.fields) if (f.path in SERVER_FIELDS) byField[SERVER_FIELDS[f.path]!] = f.message;
      setProblems(byField);
      setError(`Could not load the ${scope === "own" ? "activity" : "audit log"}: ${e instanceof Error ? e.message : "something went wrong."}`);
    } finally {
      if (n === seq.current) setBusy(false);
    }
  }

  useEffect(() => void load(emptyFilters(), null), []);

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    void load(draft, null);
  }

  function clear() {
    setDraft(emptyFilters());
    void load(emptyFilters(), null);
  }

  async function older() {
    const before = entries?.length ?? 0;
    await load(applied, cursor);
    // Keyboard users land on the first new entry rather than back at the top.
    requestAnimationFrame(() => (listRef.current?.children[before] as HTMLElement | undefined)?.focus());
  }

  const input = (field: AuditFilterField, label: string, props: JSX.InputHTMLAttributes<HTMLInputElement>, hint?: string) => {
    const inputId = `${id}-${field}`;
    const describedBy = [hint ? `${inputId}-hint` : "", problems[field] ? `${inputId}-error` : ""].filter(Boolean).join(" ") || undefined;
    return (
      <div class="field">
        <label for={inputId}>
          {label}
          <span class="optional"> (optional)</span>
        </label>
        {hint && (
          <p id={`${inputId}-hint`} class="hint">
            {hint}
          </p>
        )}
        <input
          id={inputId}
          value={draft[field]}
          onInput={(e) => setDraft((d) => ({ ...d, [field]: e.currentTarget.value }))}
          aria-invalid={problems[field] ? "true" : undefined}
          aria-describedby={describedBy}
          autocomplete="off"
          spellcheck={false}
          {...props}
        />
        {problems[field] && (
          <p id={`${inputId}-error`} class="field-error">
            {problems[field]}
          </p>
        )}
      </div>
    );
  };

  const title = scope === "own" ? "Your activity" : "Audit log";
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p class="muted section-intro">
        {scope === "own"
          ? "What you did, and what was done to your account, instances, shares, sessions and tokens; newest first."
          : "Everything anyone did, newest first. Only admins see this."}
      </p>
      <form class="audit-filters" onSubmit={submit} aria-label={`Filter ${title.toLowerCase()}`}>
        {input("action", "Action", { list: `${id}-actions`, maxLength: 100, autocapitalize: "off" }, "A prefix finds all below it: auth. or cloud.proxy")}
        <datalist id={`${id}-actions`}>
          {SUGGESTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        {input("since", "From", { type: "date" })}
        {input("until", "To", { type: "date" })}
        {scope === "all" && input("actor", "Done by", { maxLength: 254, autocapitalize: "off" }, "A user id or email")}
        {scope === "all" && input("subject", "Done to", { maxLength: 254, autocapitalize: "off" }, "Any id (usr_…, ins_…, shr_…) or a user's email")}
        <div class="button-row audit-buttons">
          <button type="submit" class="primary" disabled={busy}>
            Apply filters
          </button>
          <button type="button" onClick={clear} disabled={busy}>
            Clear
          </button>
        </div>
      </form>
      {error && <Alert>{error}</Alert>}
      {entries === null ? (
        !error && <p class="muted">Loading entries…</p>
      ) : entries.length === 0 ? (
        <p class="muted" role="status">
          No entries{Object.values(applied).some(Boolean) ? " match these filters" : " yet"}.
        </p>
      ) : (
        <>
          <p class="muted" role="status">
            {entries.length} {entries.length === 1 ? "entry" : "entries"}
            {cursor ? " so far" : ""}.
          </p>
          <ol class="audit-list" ref={listRef} aria-label={title}>
            {entries.map((e) => {
              const w = describeEntry(e, ctx);
              return (
                <li key={e.id} tabIndex={-1}>
                  <p>
                    <strong>{w.sentence}</strong>
                    {w.subject && <> · {w.subject}</>}
                  </p>
                  <p class="muted">
                    <time dateTime={e.at}>{formatDate(e.at)}</time> · <code>{e.action}</code>
                  </p>
                  {w.details.length > 0 && (
                    <p class="audit-detail">
                      {w.details.map((d, i) => (
                        <span key={d.label}>
                          {i > 0 && " · "}
                          <span class="muted">{d.label}:</span> {d.value}
                        </span>
                      ))}
                    </p>
                  )}
                </li>
              );
            })}
          </ol>
          {cursor && (
            <button type="button" onClick={older} disabled={busy}>
              {busy ? "Loading…" : "Load older entries"}
            </button>
          )}
        </>
      )}
    </section>
  );
}
