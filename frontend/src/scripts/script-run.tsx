import type { ScriptDetail } from "@anchorage/common";
import { scriptActionLabel } from "@anchorage/common/script-limits";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, type ActionRecord } from "../api.ts";
import { formatDuration } from "../format.ts";
import { useStickToBottom } from "../instances/stick-to-bottom.ts";
import { useHubListener } from "../instances/use-events.ts";
import { useAppData } from "../shell/app-data.tsx";
import { runScriptOn } from "./scripts-api.ts";

const MAX_OUTPUT = 64 * 1024;
interface Chunk {
  key: number;
  stderr: boolean;
  text: string;
}
interface Run {
  label: string;
  instanceName: string;
  actionId: string | null;
  chunks: Chunk[];
  result: ActionRecord | null;
}
let chunkKey = 0;

function append(chunks: Chunk[], stderr: boolean, text: string): Chunk[] {
  const out = [...chunks, { key: ++chunkKey, stderr, text }];
  let size = out.reduce((n, c) => n + c.text.length, 0);
  while (size > MAX_OUTPUT && out.length > 1) size -= out.shift()!.text.length;
  return out;
}

function summary(a: ActionRecord): string {
  const took = a.duration_ms !== null ? ` in ${formatDuration(a.duration_ms)}` : "";
  if (a.status === "success") return `Succeeded${took} (exit code ${a.exit_code ?? 0}).`;
  return `Failed${took}: ${a.error ?? (a.exit_code !== null ? `exit code ${a.exit_code}` : "no exit code")}.`;
}

/**
 * Runs a version of the script on one instance you may command and whose agent allows scripts
 * (`scripts: true` in its config; the server says so when it does not), its output streaming in.
 */
export function ScriptRun({ script, onExpired }: { script: ScriptDetail; onExpired: () => void }) {
  const { list, hub } = useAppData();
  const choices = (list.instances ?? []).filter((i) => i.permissions.includes("command:cloud_instance") && i.relation !== "admin");
  const [instanceId, setInstanceId] = useState("");
  const [version, setVersion] = useState<number | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; n: number } | null>(null);
  const output = useStickToBottom<HTMLPreElement>(run?.chunks);
  const chosen = choices.find((i) => i.id === instanceId) ?? (choices.length === 1 ? choices[0] : undefined);
  const runVersion = version ?? script.version;

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:command-progress" || e.instanceId !== chosen?.id) return;
    setRun((r) => {
      if (!r) return r;
      let actionId = r.actionId;
      if (actionId === null) {
        if (r.result || e.command !== r.label || e.status !== "running") return r;
        actionId = e.actionId;
      }
      if (e.actionId !== actionId) return r;
      return { ...r, actionId, chunks: e.data ? append(r.chunks, e.stream === "stderr", e.data) : r.chunks };
    });
  });

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!chosen || busy) return;
    const data = new FormData(e.currentTarget);
    const args = String(data.get("args") ?? "").split("\n").map((a) => a.replace(/\r$/, "")).filter((a) => a !== "");
    const timeout = Number(data.get("timeout") ?? 120);
    const label = scriptActionLabel(script.name, runVersion);
    setBusy(true);
    setError(null);
    setRun({ label, instanceName: chosen.name, actionId: null, chunks: [], result: null });
    try {
      const action = await runScriptOn(chosen.id, { script_id: script.id, version: runVersion, args, timeout_seconds: timeout });
      setRun((r) => ({
        label, instanceName: chosen.name, actionId: action.id, result: action,
        chunks: r?.chunks.length ? r.chunks : action.output_tail ? [{ key: ++chunkKey, stderr: false, text: action.output_tail }] : [],
      }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      setRun((r) => (r?.chunks.length ? r : null));
      setError({ text: err instanceof Error ? err.message : "Something went wrong.", n: (error?.n ?? 0) + 1 });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="stack" aria-labelledby="script-run-title">
      <h2 id="script-run-title">Run on an instance</h2>
      {choices.length === 0 ? (
        <p class="muted">{list.instances === null ? "Loading your instances…" : "No instance you may run commands on."}</p>
      ) : (
        <form class="stack" onSubmit={submit}>
          <p class="hint">Only agents whose config says <code>scripts: true</code> run scripts (it is off by default: a script is arbitrary code).</p>
          <div class="field">
            <label for="script-run-instance">Instance</label>
            <select id="script-run-instance" value={chosen?.id ?? ""} onChange={(e) => setInstanceId(e.currentTarget.value)} required>
              {choices.length > 1 && <option value="">Choose an instance</option>}
              {choices.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name} ({i.status})
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="script-run-version">Version</label>
            <select id="script-run-version" value={String(runVersion)} onChange={(e) => setVersion(Number(e.currentTarget.value))}>
              {script.versions.map((v) => (
                <option key={v.version} value={String(v.version)}>
                  Version {v.version}
                  {v.version === script.version ? " (newest)" : ""}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="script-run-args">
              Arguments<span class="optional"> (optional)</span>
            </label>
            <p id="script-run-args-hint" class="hint">
              One per line, passed as they are (no shell reads them).
            </p>
            <textarea id="script-run-args" name="args" class="script-args" aria-describedby="script-run-args-hint" spellcheck={false} />
          </div>
          <div class="field">
            <label for="script-run-timeout">Time limit in seconds</label>
            <input id="script-run-timeout" name="timeout" type="number" min={1} max={3600} defaultValue="120" required />
          </div>
          <div class="button-row">
            <button type="submit" class="primary" disabled={busy || !chosen}>
              {busy ? "Running…" : "Run script"}
            </button>
          </div>
        </form>
      )}
      {error && (
        <Alert key={error.n}>
          <p>{error.text}</p>
        </Alert>
      )}
      {run && (
        <div class="run">
          <p id="script-output-title" class="run-title">
            Output of <code>{run.label}</code> on {run.instanceName}
          </p>
          <pre class="output" ref={output.ref} onScroll={output.onScroll} aria-live="polite" aria-labelledby="script-output-title" tabIndex={0}>
            {run.chunks.map((c) => (
              <span key={c.key} class={c.stderr ? "stderr" : undefined}>
                {c.text}
              </span>
            ))}
          </pre>
          {run.chunks.length === 0 && <p class="muted">{busy ? "Waiting for output…" : "No output."}</p>}
          {!busy && run.result && (
            <p role="status" class={run.result.status === "success" ? "ok" : "bad"}>
              {summary(run.result)}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
