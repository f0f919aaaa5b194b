import { useEffect, useRef } from "preact/hooks";
import { actionsFor, DATA_TARGETS, draftPlace, RESOURCE_KINDS, scopeProblem, withKind, type ResourceKind, type ScopeContext, type ScopeDraft } from "./scope-drafts.ts";
import { actionHint } from "./scope-labels.ts";

const relationNote = { owner: "", shared: " (shared with me)", admin: " (admin access)" } as const;

interface ScopeRowProps {
  /** Unique in the page: every control's id starts with it. */
  id: string;
  n: number;
  draft: ScopeDraft;
  ctx: ScopeContext;
  onChange: (d: ScopeDraft) => void;
  onRemove?: () => void;
  /** The problem to show: the server's, or the form's own once it has been sent. */
  error?: string | null;
  /** Focus the resource picker when the row appears (it was just added). */
  focus: boolean;
  instancesNote?: string;
}

/**
 * One scope: what it covers (a kind of resource, then which one) and the actions it allows,
 * ticked from those the catalog has for it. "Advanced" takes a scope typed in full and checks
 * it as it is typed.
 */
export function ScopeRow({ id, n, draft: d, ctx, onChange, onRemove, error, focus, instancesNote }: ScopeRowProps) {
  const kindRef = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (focus) kindRef.current?.focus();
  }, []);

  const set = (patch: Partial<ScopeDraft>) => onChange({ ...d, ...patch });
  const offered = actionsFor(d);
  const place = draftPlace(d);
  // A typed scope is checked as it is typed; the rest once the form is sent (or by the server).
  const liveProblem = d.kind === "advanced" && d.target.trim() ? scopeProblem(d, ctx) : null;
  const problem = error ?? liveProblem;
  const problemId = `${id}-problem`;
  const describedBy = problem ? problemId : undefined;

  function toggle(action: string, on: boolean) {
    set({ actions: on ? [...d.actions, action] : d.actions.filter((a) => a !== action) });
  }

  return (
    <fieldset class="scope-row" aria-describedby={describedBy}>
      <legend>Scope {n}</legend>
      <div class="scope-pickers">
        <div class="field">
          <label for={`${id}-kind`}>Resource</label>
          <select id={`${id}-kind`} ref={kindRef} value={d.kind} onChange={(e) => onChange(withKind(d, e.currentTarget.value as ResourceKind, ctx))}>
            {RESOURCE_KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </div>

        {d.kind === "instances" && (
          <div class="field">
            <label for={`${id}-instance`}>Which instances</label>
            <select id={`${id}-instance`} value={d.target} onChange={(e) => set({ target: e.currentTarget.value })} aria-describedby={instancesNote ? `${id}-instances-note` : undefined}>
              <option value="">All my instances (now and later)</option>
              {ctx.instances.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                  {relationNote[i.relation]}
                </option>
              ))}
            </select>
            {instancesNote && (
              <p id={`${id}-instances-note`} class="hint">
                {instancesNote}
              </p>
            )}
          </div>
        )}

        {d.kind === "data" && (
          <div class="field">
            <label for={`${id}-data`}>Which data</label>
            <select id={`${id}-data`} value={d.target} onChange={(e) => set({ target: e.currentTarget.value })}>
              {DATA_TARGETS.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
        )}
        {d.kind === "data" && d.target === "mod" && (
          <div class="field">
            <label for={`${id}-module`}>Module name</label>
            <input id={`${id}-module`} value={d.module} onInput={(e) => set({ module: e.currentTarget.value })} maxLength={64} autocomplete="off" spellcheck={false} required aria-describedby={describedBy} />
          </div>
        )}

        {d.kind === "registry" && (
          <div class="field">
            <label for={`${id}-repo`}>
              Repository<span class="optional"> (optional)</span>
            </label>
            <input id={`${id}-repo`} value={d.target} onInput={(e) => set({ target: e.currentTarget.value })} maxLength={128} autocomplete="off" spellcheck={false} aria-describedby={`${id}-repo-hint`} />
            <p id={`${id}-repo-hint`} class="hint">
              Leave empty for every repository.
            </p>
          </div>
        )}

        {d.kind === "advanced" && (
          <div class="field scope-typed">
            <label for={`${id}-scope`}>Scope</label>
            <p id={`${id}-scope-hint`} class="hint">
              <code>&lt;root&gt;.&lt;user id&gt;[.&lt;resource&gt;[.&lt;id&gt;]]</code>, e.g. <code>cloud.{ctx.userId}.instances</code>
            </p>
            <input
              id={`${id}-scope`}
              class="code-text"
              value={d.target}
              onInput={(e) => set({ target: e.currentTarget.value })}
              maxLength={256}
              autocomplete="off"
              spellcheck={false}
              required
              aria-invalid={liveProblem ? "true" : undefined}
              aria-describedby={[`${id}-scope-hint`, describedBy].filter(Boolean).join(" ")}
            />
          </div>
        )}
      </div>

      {offered.length > 0 ? (
        <fieldset class="scope-actions">
          <legend>Actions</legend>
          <div class="check-grid">
            {offered.map((a) => {
              const hint = place ? actionHint(place.root, place.resource, a) : "";
              return (
                <label key={a} class="check">
                  <input type="checkbox" checked={d.actions.includes(a)} onChange={(e) => toggle(a, e.currentTarget.checked)} />
                  <span>
                    <code>{a}</code>
                    {hint && <span class="hint"> — {hint}</span>}
                  </span>
                </label>
              );
            })}
          </div>
        </fieldset>
      ) : (
        <p class="muted">The actions to tick appear once the scope names a known resource.</p>
      )}

      {problem && (
        <p id={problemId} class="field-error">
          {problem}
        </p>
      )}
      {onRemove && (
        <button type="button" class="align-start" onClick={onRemove}>
          Remove scope {n}
        </button>
      )}
    </fieldset>
  );
}
