import type { Script, ScriptInterpreter } from "@anchorage/common";
import { scriptInterpreters } from "@anchorage/common/script-limits";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import type { EditorHandle } from "../files/file-editor.tsx";
import { formatDate } from "../format.ts";
import { scriptPath } from "./script-paths.ts";
import { ScriptBodyEditor } from "./script-body-editor.tsx";
import { createScript, INTERPRETER_LABELS, listScripts, STARTER } from "./scripts-api.ts";

/** Your scripts, and a form for a new one (its version 1). */
export function ScriptList({ onExpired }: { onExpired: () => void }) {
  const [scripts, setScripts] = useState<Script[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listScripts().then(setScripts, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setError(e instanceof Error ? e.message : "Could not load your scripts.");
    });
  }, []);
  return (
    <>
      <section class="stack" aria-labelledby="scripts-list-title">
        <h2 id="scripts-list-title">Your scripts</h2>
        {error && <Alert>{error}</Alert>}
        {scripts === null && !error && <p class="muted">Loading…</p>}
        {scripts?.length === 0 && <p class="muted">No scripts yet. Write one below.</p>}
        {scripts && scripts.length > 0 && (
          <ul class="link-list script-versions">
            {scripts.map((s) => (
              <li key={s.id}>
                <a href={scriptPath(s.id)}>{s.name}</a>
                <span class="muted">
                  {s.interpreter} · version {s.version} · changed <time dateTime={s.updated_at}>{formatDate(s.updated_at)}</time>
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <NewScript onExpired={onExpired} />
    </>
  );
}

function NewScript({ onExpired }: { onExpired: () => void }) {
  const { route } = useLocation();
  const [interpreter, setInterpreter] = useState<ScriptInterpreter>("sh");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: string } | null>(null);
  const editor = useRef<EditorHandle>(null);
  // The starter body follows the interpreter until the person writes their own.
  function changeInterpreter(next: ScriptInterpreter) {
    const text = editor.current?.text();
    if (text === undefined || Object.values(STARTER).includes(text)) editor.current?.reset(STARTER[next]);
    setInterpreter(next);
  }

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get("name") ?? "").trim();
    const body = editor.current?.text() ?? STARTER[interpreter];
    setBusy(true);
    setError(null);
    try {
      const made = await createScript({ name, body, interpreter });
      route(scriptPath(made.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      const field = err instanceof ApiError ? err.fields[0]?.path : undefined;
      setError({ text: err instanceof Error ? err.message : "Could not save the script.", field });
      setBusy(false);
    }
  }

  return (
    <section class="stack" aria-labelledby="new-script-title">
      <h2 id="new-script-title">New script</h2>
      {error && <Alert>{error.text}</Alert>}
      <form class="stack" onSubmit={submit}>
        <div class="field">
          <label for="new-script-name">Name</label>
          <input id="new-script-name" name="name" required maxLength={100} autocomplete="off" aria-invalid={error?.field === "name" ? "true" : undefined} />
        </div>
        <div class="field">
          <label for="new-script-interpreter">Interpreter</label>
          <select id="new-script-interpreter" value={interpreter} onChange={(e) => changeInterpreter(e.currentTarget.value as ScriptInterpreter)}>
            {scriptInterpreters.map((i) => (
              <option key={i} value={i}>
                {INTERPRETER_LABELS[i]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <p class="field-label" aria-hidden="true">
            Body
          </p>
          <ScriptBodyEditor initial={STARTER.sh} interpreter={interpreter} label="Body of the new script" handle={editor} />
        </div>
        <div class="button-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save version 1"}
          </button>
        </div>
      </form>
    </section>
  );
}
