import { useState } from "preact/hooks";
import type { ActionRecord } from "../api.ts";
import { formatDuration } from "../format.ts";
import { useStickToBottom } from "../instances/stick-to-bottom.ts";
import { useHubListener, type Hub } from "../instances/use-events.ts";
import { runRemote, type GitStatus, type RemoteOp, type RepoRef } from "./git-api.ts";
import type { Act } from "./use-git-action.ts";

/** Output kept on screen; the start is dropped past this. */
const MAX_OUTPUT = 64 * 1024;

const VERB: Record<RemoteOp, string> = { fetch: "Fetch", pull: "Pull", push: "Push" };

interface Run {
  op: RemoteOp;
  /** Learnt from the first progress event (or the POST's answer); output is matched on it. */
  actionId: string | null;
  output: string;
  result: ActionRecord | null;
}

/** git's progress lines redraw themselves with CR: keep what each line ends up saying. */
const settleProgress = (text: string) =>
  text
    .split("\n")
    .map((l) => l.replace(/\r$/, "").slice(l.replace(/\r$/, "").lastIndexOf("\r") + 1))
    .join("\n");

function summary(a: ActionRecord): string {
  const took = a.duration_ms !== null ? ` in ${formatDuration(a.duration_ms)}` : "";
  if (a.status === "success") return `Done${took}.`;
  return `Failed${took}: ${a.error ?? (a.exit_code !== null ? `exit code ${a.exit_code}` : "no exit code")}.`;
}

/**
 * Fetch, Pull (fast-forward only) and Push, run on the instance as recorded actions. Their output
 * streams in as `cloud:command-progress` events; the server names the action `git <op> <repo>`,
 * which is how this run's events are told from others' until the POST answers with its id.
 */
export function RemoteActions({ r, status, hub, busy, act }: { r: RepoRef; status: GitStatus; hub: Hub; busy: string | null; act: Act }) {
  const [run, setRun] = useState<Run | null>(null);
  const output = useStickToBottom<HTMLPreElement>(run?.output);
  const commandOf = (op: RemoteOp) => `git ${op} ${r.repo}`.slice(0, 200);

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:command-progress" || e.instanceId !== r.instanceId) return;
    setRun((cur) => {
      if (!cur) return cur;
      let actionId = cur.actionId;
      if (actionId === null) {
        if (cur.result || e.command !== commandOf(cur.op) || e.status !== "running") return cur;
        actionId = e.actionId;
      }
      if (e.actionId !== actionId || !e.data) return { ...cur, actionId };
      return { ...cur, actionId, output: (cur.output + e.data).slice(-MAX_OUTPUT) };
    });
  });

  async function go(op: RemoteOp) {
    setRun({ op, actionId: null, output: "", result: null });
    // A branch without an upstream is pushed to the remote git picks for it (origin).
    const target = op === "push" && !status.upstream && status.branch ? { branch: status.branch } : {};
    const ok = await act(op, async () => {
      const a = await runRemote(r, op, target);
      // What streamed in is kept; if nothing did (the live socket was down), show the tail the server kept.
      setRun((cur) => ({ op, actionId: a.id, result: a, output: cur?.output || a.output_tail || "" }));
      return null;
    });
    // Refused before it ran (offline, no permission): the error says why, there is no output.
    if (!ok) setRun((cur) => (cur?.output ? cur : null));
  }

  const running = busy === "fetch" || busy === "pull" || busy === "push";

  return (
    <section class="stack" aria-labelledby="git-remote-title">
      <h3 id="git-remote-title">Remote</h3>
      <p class="muted">
        {status.upstream ? (
          <>
            Tracking <code>{status.upstream}</code>: {status.ahead} ahead, {status.behind} behind (as of the last fetch).
          </>
        ) : (
          "This branch has no upstream; Push sends it to origin."
        )}
      </p>
      <div class="button-row">
        {(["fetch", "pull", "push"] as const).map((op) => (
          <button key={op} type="button" onClick={() => go(op)} disabled={busy !== null}>
            {busy === op ? `${VERB[op]}ing…` : VERB[op]}
          </button>
        ))}
      </div>
      {run && (
        <div class="run">
          <p id="git-remote-output" class="run-title">
            Output of <code>git {run.op}</code>
          </p>
          <pre class="output" ref={output.ref} onScroll={output.onScroll} aria-labelledby="git-remote-output" tabIndex={0}>
            {settleProgress(run.output)}
          </pre>
          {!run.output && <p class="muted">{running ? "Waiting for output…" : "No output."}</p>}
          {run.result && (
            <p role="status" class={run.result.status === "success" ? "ok" : "bad"}>
              {VERB[run.op]}: {summary(run.result)}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
