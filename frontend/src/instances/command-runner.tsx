import type { Instance } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, runCommand, type ActionRecord } from "../api.ts";
import { formatDuration } from "../format.ts";
import { useStickToBottom } from "./stick-to-bottom.ts";
import { useHubListener, type Hub } from "./use-events.ts";

/** The agent's builtins; an agent's config may allow more, which the server names if you ask for an unknown one. */
const BUILTINS = ["restart", "update", "git-pull"];
/** Output kept on screen; older chunks are dropped. */
const MAX_OUTPUT = 64 * 1024;

interface Chunk {
  key: number;
  stderr: boolean;
  text: string;
}

interface Run {
  command: string;
  /** Learnt from the first progress event (or the POST's answer); output is matched on it. */
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
  const why = a.error ?? (a.exit_code !== null ? `exit code ${a.exit_code}` : "no exit code");
  return `Failed${took}: ${why}.`;
}

/** A command asked for from elsewhere (the instance's toolbar); `n` tells one request from the next. */
export interface CommandRequest {
  command: string;
  n: number;
}

interface CommandRunnerProps {
  instance: Instance;
  hub: Hub;
  /** Run this when it changes, as if typed and submitted here (its output shows here). */
  request: CommandRequest | null;
  onBusyChange: (busy: boolean) => void;
  onFinished: () => void;
  onExpired: () => void;
}

/** Run an allowed command on the instance and watch its output stream in. */
export function CommandRunner({ instance, hub, request, onBusyChange, onFinished, onExpired }: CommandRunnerProps) {
  const [command, setCommand] = useState("");
  const [run, setRun] = useState<Run | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; attempt: number } | null>(null);
  const output = useStickToBottom<HTMLPreElement>(run?.chunks);
  const listId = `commands-${instance.id}`;

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:command-progress" || e.instanceId !== instance.id) return;
    setRun((r) => {
      if (!r) return r;
      let actionId = r.actionId;
      // Until the POST answers, our run is the one of this command that starts now.
      if (actionId === null) {
        if (r.result || e.command !== r.command || e.status !== "running") return r;
        actionId = e.actionId;
      }
      if (e.actionId !== actionId) return r;
      const chunks = e.data ? append(r.chunks, e.stream === "stderr", e.data) : r.chunks;
      return { ...r, actionId, chunks };
    });
  });

  useEffect(() => onBusyChange(busy), [busy]);
  useEffect(() => {
    if (request) void start(request.command);
  }, [request?.n]);

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    void start(String(new FormData(e.currentTarget).get("command") ?? "").trim());
  }

  async function start(name: string) {
    if (!name || busy) return;
    setBusy(true);
    setError(null);
    setRun({ command: name, actionId: null, chunks: [], result: null });
    try {
      const action = await runCommand(instance.id, name);
      // Output that streamed in is kept; if none did (socket down), show the tail the server kept.
      setRun((r) => ({
        command: name,
        actionId: action.id,
        result: action,
        chunks: r?.chunks.length ? r.chunks : action.output_tail ? [{ key: ++chunkKey, stderr: false, text: action.output_tail }] : [],
      }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      // Refused before it ran (offline, unknown command): nothing to show but the error.
      setRun((r) => (r?.chunks.length ? r : null));
      setError({ message: err instanceof Error ? err.message : "Something went wrong.", attempt: (error?.attempt ?? 0) + 1 });
    } finally {
      setBusy(false);
      onFinished();
    }
  }

  return (
    <section class="stack" aria-labelledby="run-title">
      <h2 id="run-title">Run command</h2>
      {error && (
        <Alert key={error.attempt}>
          <p>{error.message}</p>
        </Alert>
      )}
      <form class="inline-form" onSubmit={submit}>
        <div class="field">
          <label for="run-command">Command</label>
          <p id="run-command-hint" class="hint">
            A builtin ({BUILTINS.join(", ")}) or one the agent's config allows.
          </p>
          <input
            id="run-command"
            name="command"
            list={listId}
            value={command}
            onInput={(e) => setCommand(e.currentTarget.value)}
            required
            maxLength={40}
            autocomplete="off"
            autocapitalize="off"
            spellcheck={false}
            aria-describedby="run-command-hint"
          />
          <datalist id={listId}>
            {BUILTINS.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Running…" : "Run"}
        </button>
      </form>
      {run && (
        <div class="run">
          <p id="run-output-title" class="run-title">
            Output of <code>{run.command}</code>
          </p>
          <pre class="output" ref={output.ref} onScroll={output.onScroll} aria-live="polite" aria-labelledby="run-output-title" tabIndex={0}>
            {run.chunks.map((c) => (
              <span key={c.key} class={c.stderr ? "stderr" : undefined}>
                {c.text}
              </span>
            ))}
          </pre>
          {run.chunks.length === 0 && <p class="muted">{busy ? "Waiting for output…" : "No output."}</p>}
          {busy ? (
            <p class="muted">Running…</p>
          ) : (
            run.result && (
              <p role="status" class={run.result.status === "success" ? "ok" : "bad"}>
                {summary(run.result)}
              </p>
            )
          )}
        </div>
      )}
    </section>
  );
}
