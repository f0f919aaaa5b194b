import type { ScriptDetail, ScriptInterpreter, ScriptVersion } from "@anchorage/common";
import { scriptInterpreters } from "@anchorage/common/script-limits";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import type { EditorHandle } from "../files/file-editor.tsx";
import { useUnsavedGuard } from "../files/unsaved-guard.ts";
import { formatBytes, formatDate } from "../format.ts";
import { Page } from "../shell/page.tsx";
import { SCRIPTS_PATH } from "./script-paths.ts";
import { ScriptBodyEditor } from "./script-body-editor.tsx";
import { ScriptRun } from "./script-run.tsx";
import { deleteScript, getScript, getScriptVersion, INTERPRETER_LABELS, saveScript } from "./scripts-api.ts";

/**
 * One script: its newest body in the editor (a save is the next version), its version history
 * (any version's body shown read-only), and running it on an instance.
 */
export function ScriptDetailView({ id, onExpired }: { id: string; onExpired: () => void }) {
  const [script, setScript] = useState<ScriptDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    getScript(id).then(setScript, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setLoadError(e instanceof ApiError && e.status === 404 ? "There is no such script in your library." : e instanceof Error ? e.message : "Could not load the script.");
    });
  }, [id]);
  if (loadError)
    return (
      <Page title="Script">
        <Alert>{loadError}</Alert>
        <p>
          <a href={SCRIPTS_PATH}>Back to your scripts</a>
        </p>
      </Page>
    );
  if (!script)
    return (
      <Page title="Script">
        <p class="muted">Loading…</p>
      </Page>
    );
  return <Loaded script={script} onChange={setScript} onExpired={onExpired} />;
}

function Loaded({ script, onChange, onExpired }: { script: ScriptDetail; onChange: (s: ScriptDetail) => void; onExpired: () => void }) {
  const { url, route } = useLocation();
  const [interpreter, setInterpreter] = useState<ScriptInterpreter>(script.interpreter);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState<"save" | "delete" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [viewing, setViewing] = useState<ScriptVersion | null>(null);
  const editor = useRef<EditorHandle>(null);
  const viewHeading = useRef<HTMLHeadingElement>(null);
  const changed = dirty || interpreter !== script.interpreter;
  useUnsavedGuard(changed, url);

  useEffect(() => {
    if (viewing) viewHeading.current?.focus();
  }, [viewing?.version]);

  function failed(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(e instanceof Error ? e.message : "Something went wrong.");
  }

  async function save(e?: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e?.preventDefault();
    const body = editor.current?.text();
    if (body === undefined || busy) return;
    const name = e ? String(new FormData(e.currentTarget).get("name") ?? "").trim() : script.name;
    setBusy("save");
    setError(null);
    setNotice(null);
    try {
      const saved = await saveScript(script.id, { body, interpreter, ...(name && name !== script.name ? { name } : {}) });
      editor.current?.markSaved(body);
      onChange(saved);
      setNotice(`Saved as version ${saved.version}.`);
    } catch (err) {
      failed(err);
    } finally {
      setBusy(null);
    }
  }

  async function view(version: number) {
    setError(null);
    try {
      setViewing(await getScriptVersion(script.id, version));
    } catch (err) {
      failed(err);
    }
  }

  async function remove() {
    setBusy("delete");
    try {
      await deleteScript(script.id);
      route(SCRIPTS_PATH);
    } catch (err) {
      failed(err);
      setBusy(null);
    }
  }

  return (
    <Page title={script.name} tabTitle={[script.name, "Scripts"]} aside={<span class="muted">version {script.version}</span>}>
      <div class="scripts-page stack">
      <p>
        <a href={SCRIPTS_PATH}>All scripts</a>
      </p>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      <div class="script-layout">
        <section class="stack" aria-labelledby="script-edit-title">
          <h2 id="script-edit-title">Edit</h2>
          <form class="stack" onSubmit={save}>
            <div class="field">
              <label for="script-name">Name</label>
              <input id="script-name" name="name" required maxLength={100} defaultValue={script.name} key={script.name} autocomplete="off" />
            </div>
            <div class="field">
              <label for="script-interpreter">Interpreter</label>
              <select id="script-interpreter" value={interpreter} onChange={(e) => setInterpreter(e.currentTarget.value as ScriptInterpreter)}>
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
              <ScriptBodyEditor initial={script.body} interpreter={interpreter} label={`Body of ${script.name}`} onDirtyChange={setDirty} onSave={() => void save()} handle={editor} />
            </div>
            <div class="button-row">
              <button type="submit" class="primary" disabled={busy !== null}>
                {busy === "save" ? "Saving…" : `Save as version ${script.version + 1}`}
              </button>
              {changed && <span class="muted">Unsaved changes</span>}
            </div>
          </form>
        </section>
        <section class="stack" aria-labelledby="script-versions-title">
          <h2 id="script-versions-title">Versions</h2>
          <ul class="link-list script-versions">
            {script.versions.map((v) => (
              <li key={v.version} aria-current={viewing?.version === v.version ? "true" : undefined}>
                <span>
                  Version {v.version}
                  <span class="muted">
                    {" "}
                    · {v.interpreter} · {formatBytes(v.bytes)} · <time dateTime={v.created_at}>{formatDate(v.created_at)}</time>
                  </span>
                </span>
                <button type="button" onClick={() => void view(v.version)} aria-label={`View version ${v.version}`}>
                  View
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
      {viewing && (
        <section class="stack" aria-labelledby="script-view-title">
          <h2 id="script-view-title" tabIndex={-1} ref={viewHeading}>
            Version {viewing.version} ({viewing.interpreter})
          </h2>
          <ScriptBodyEditor key={viewing.version} initial={viewing.body} interpreter={viewing.interpreter} readOnly label={`Body of version ${viewing.version}`} handle={{ current: null }} />
          <div class="button-row">
            <button type="button" onClick={() => setViewing(null)}>
              Close version {viewing.version}
            </button>
          </div>
        </section>
      )}
      <ScriptRun script={script} onExpired={onExpired} />
      <section class="stack" aria-labelledby="script-delete-title">
        <h2 id="script-delete-title">Delete</h2>
        <div>
          <ConfirmAction
            label="Delete script"
            subject={script.name}
            busyLabel="Deleting…"
            question={`Delete ${script.name} and all ${script.versions.length} of its versions?`}
            confirmLabel="Delete"
            busy={busy === "delete"}
            onConfirm={() => void remove()}
          />
        </div>
      </section>
      </div>
    </Page>
  );
}
