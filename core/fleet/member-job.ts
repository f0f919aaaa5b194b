import { RUN_OUTPUT_CHARS, type RunMemberState } from "@anchorage/common";
import type { DoResult } from "../rpc/do-result.ts";
import type { ActionRecord, InstanceRpc, ScriptRunInput } from "../rpc/instance-rpc.ts";

/**
 * What a run does on each member: one of these, executed by runMemberJob. Adding a kind is a case
 * here and in jobUnavailable, nothing else (the schema, the routes and the run's object take any).
 */
export type MemberJob =
  | { kind: "command"; command: string; timeoutSeconds: number }
  | {
      kind: "script";
      scriptId: string;
      /** The version asked for; null: the newest when the run starts (a schedule's each turn takes the newest then). */
      version: number | null;
      timeoutSeconds: number;
      /** The version's body, read from the starter's own library when the run starts (start-run.ts): every member runs the same. */
      resolved?: { name: string; version: number; interpreter: ScriptRunInput["interpreter"]; body: string };
    };

/** The one place a kind of job is refused before any run starts (a 400 with this message), or null. */
export function jobUnavailable(job: MemberJob): string | null {
  switch (job.kind) {
    case "command":
      return null;
    case "script":
      return null;
  }
}

/** Runs the job on one member through its InstanceDO, which checks the command is allowed and fails fast when offline. */
export async function runMemberJob(instance: Pick<InstanceRpc, "runCommand" | "runScript">, job: MemberJob, requestedBy: string): Promise<DoResult<ActionRecord>> {
  switch (job.kind) {
    case "command":
      return instance.runCommand({ command: job.command, requestedBy, timeoutSeconds: job.timeoutSeconds });
    case "script": {
      // The object refuses at once when the agent's config does not say `scripts: true` (and the agent checks again).
      const s = job.resolved;
      if (!s) return { ok: false, code: "E-INTERNAL", message: "the run holds no script body" };
      return instance.runScript({ scriptId: job.scriptId, version: s.version, name: s.name, interpreter: s.interpreter, body: s.body, requestedBy, timeoutSeconds: job.timeoutSeconds });
    }
  }
}

/** The job's label in the runs index and views. */
export const jobLabel = (job: MemberJob) => (job.kind === "command" ? { command: job.command, script: null } : { command: null, script: job.scriptId });

export type MemberOutcome = { state: Exclude<RunMemberState, "queued" | "running">; exitCode: number | null; output: string; error?: string };

/**
 * A member's end from what its InstanceDO answered: offline at once when the agent is not there
 * (or went away mid-run: the object answers every call in flight when the socket closes), timeout
 * when the agent's time limit killed it, success only on exit code 0.
 */
export function outcomeOf(r: DoResult<ActionRecord>): MemberOutcome {
  if (!r.ok) return { state: r.code === "E-INSTANCE-OFFLINE" ? "offline" : "error", exitCode: null, output: "", error: r.message };
  const a = r.value;
  const output = a.output_tail.slice(-RUN_OUTPUT_CHARS);
  if (a.status === "success") return { state: "success", exitCode: a.exit_code, output };
  if (a.error === "timed out") return { state: "timeout", exitCode: a.exit_code, output, error: "timed out" };
  return { state: "error", exitCode: a.exit_code, output, error: a.error ?? `exit code ${a.exit_code}` };
}
