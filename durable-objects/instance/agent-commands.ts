import {
  builtinCommands, commandResultSchema, GIT_REMOTE_TIMEOUT_SECONDS, GIT_TIMEOUT_MS, isRemoteGitOp, MAX_CONTROL_BYTES, RUN_OUTPUT_CHARS, scriptActionLabel,
  type AgentMessage, type CommandResult, type ErrorCode, type GitRequest, type RpcMethod, type ScriptRunParams,
} from "@anchorage/common";
import { randomToken } from "../../core/ids.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import type { ActionRecord, OnProgress, ScriptRunInput } from "../../core/rpc/instance-rpc.ts";
import { agentFailure, fail, offline, PASSED_ON } from "./agent-failure.ts";
import type { InstanceContext } from "./instance-context.ts";

/** What a script run on an agent without `scripts: true` is told (the DO's refusal, and the agent's own). */
export const SCRIPTS_OFF = "this agent does not run scripts (scripts: true in its config)";

type Pending = { resolve: (r: DoResult<unknown>) => void; onProgress?: OnProgress; timer: ReturnType<typeof setTimeout> };

/**
 * RPCs to the agent over its control socket (`rpc` out, `rpc-result` and `rpc-progress` back), and
 * the commands and remote git operations run through them as recorded actions. Only the calls in
 * flight live in memory, and they cannot outlive the request that waits on them.
 */
export class AgentCommands {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly c: InstanceContext) {}

  /** Sends one RPC to the agent; fails fast with E-INSTANCE-OFFLINE, or E-INTERNAL after the timeout. */
  call(method: RpcMethod, params?: unknown, timeoutMs = 15_000, onProgress?: OnProgress): Promise<DoResult<unknown>> {
    const socket = this.c.agentSockets()[0];
    if (!socket) return Promise.resolve(offline());
    const id = randomToken(9);
    return new Promise<DoResult<unknown>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail("E-INTERNAL", `the agent did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, onProgress, timer });
      try {
        socket.send(JSON.stringify({ type: "rpc", id, method, params }));
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(offline());
      }
    });
  }

  /** The agent's answer to a call. */
  result(msg: Extract<AgentMessage, { type: "rpc-result" }>) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    p.resolve(msg.ok ? { ok: true, value: msg.result } : agentFailure(msg.error));
  }

  /** Output of a call still running (a command's). */
  progress(msg: Extract<AgentMessage, { type: "rpc-progress" }>) {
    this.pending.get(msg.id)?.onProgress?.(msg.stream, msg.data);
  }

  /** The agent went away (or the instance was deleted): every call in flight is answered now. */
  failPending(code: ErrorCode, message: string) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(fail(code, message));
      this.pending.delete(id);
    }
  }

  async ping(): Promise<DoResult<{ rtt_ms: number }>> {
    const started = Date.now();
    const r = await this.call("ping", undefined, 5_000);
    return r.ok ? { ok: true, value: { rtt_ms: Date.now() - started } } : r;
  }

  /** Runs an allowed command, streaming its output as events, and records it in the recent actions. */
  async runCommand(input: { command: string; requestedBy: string; timeoutSeconds: number }): Promise<DoResult<ActionRecord>> {
    const inst = this.c.state.getMeta<{ id: string }>("instance");
    if (!inst || this.c.agentSockets().length === 0) return offline();
    // Only what the agent's config allows (plus the builtins); the agent checks again itself.
    const allowed = [...builtinCommands, ...(this.c.hello()?.config.commands.map((c) => c.name) ?? [])];
    if (!allowed.includes(input.command)) return fail("E-VALIDATION", `unknown command "${input.command}"; allowed: ${allowed.join(", ")}`);
    const { action } = await this.trackAction(input.command, input.requestedBy, input.timeoutSeconds, "command.run", { name: input.command, timeout_seconds: input.timeoutSeconds });
    return { ok: true, value: action };
  }

  /**
   * Runs a script from the library (the Worker has read it, checked `command:` and the owner) as a
   * recorded action, like a command. Refused at once when the agent's hello says `scripts: false`;
   * the agent checks its own config again before it writes a byte.
   */
  async runScript(input: ScriptRunInput): Promise<DoResult<ActionRecord>> {
    if (!this.c.instance() || this.c.agentSockets().length === 0) return offline();
    if (this.c.hello()?.config.scripts !== true) return fail("E-AUTH-FORBID", SCRIPTS_OFF);
    const params: ScriptRunParams = { interpreter: input.interpreter, body: input.body, args: input.args ?? [], timeout_seconds: input.timeoutSeconds };
    // The script travels in one control message, which the agent's side caps like ours.
    if (JSON.stringify({ type: "rpc", id: "x".repeat(12), method: "script.run", params }).length > MAX_CONTROL_BYTES) {
      return fail("E-PAYLOAD-TOO-LARGE", `the script and its arguments are larger than one message to the agent (${MAX_CONTROL_BYTES} bytes as JSON)`);
    }
    const label = scriptActionLabel(input.name ?? input.scriptId, input.version);
    const { action, refusal } = await this.trackAction(label, input.requestedBy, input.timeoutSeconds, "script.run", params);
    // The agent refused before running anything (its own scripts: false, no such interpreter): the caller gets that.
    return refusal ?? { ok: true, value: action };
  }

  /** A git operation. Remote ones (fetch, pull, push) run as actions, their output streamed like a command's. */
  async git(request: GitRequest, requestedBy: string): Promise<DoResult<unknown>> {
    if (!isRemoteGitOp(request.op)) return this.call("git", request, GIT_TIMEOUT_MS + 5_000);
    if (this.c.agentSockets().length === 0) return offline();
    const repo = "repo" in request ? request.repo : "";
    const { action, refusal } = await this.trackAction(`git ${request.op} ${repo}`.slice(0, 200), requestedBy, GIT_REMOTE_TIMEOUT_SECONDS, "git", request);
    // Refused before git ran (a merge in progress, a path outside the roots): the caller gets the refusal itself.
    return refusal ?? { ok: true, value: action };
  }

  recentActions(limit = 50): ActionRecord[] {
    return this.c.state.recentActions(limit);
  }

  /**
   * Runs an RPC whose result is a command's (exit code, output tails) as a recorded action:
   * pending → success/error in the recent actions, its output streamed as command-progress events.
   */
  private async trackAction(label: string, requestedBy: string, timeoutSeconds: number, method: RpcMethod, params: unknown): Promise<{ action: ActionRecord; refusal: DoResult<never> | null }> {
    const inst = this.c.instance()!;
    const id = `act_${randomToken(9)}`;
    const started = Date.now();
    this.c.state.startAction({ id, command: label, requested_by: requestedBy, started_at: new Date(started).toISOString() });
    const base = { type: "cloud:command-progress" as const, instanceId: inst.id, actionId: id, command: label };
    this.c.emit({ ...base, at: new Date().toISOString(), status: "running" });
    let tail = "";
    const r = await this.call(method, params, (timeoutSeconds + 10) * 1000, (stream, data) => {
      tail = (tail + data).slice(-RUN_OUTPUT_CHARS); // a run keeps the last 64 KiB (docs/fleet.md)
      this.c.emit({ ...base, at: new Date().toISOString(), stream, data });
    });
    const result = r.ok ? commandResultSchema.safeParse(r.value) : null;
    const done: CommandResult | null = result?.success ? result.data : null;
    const status = done && done.exit_code === 0 && !done.timed_out ? "success" : "error";
    const error = !r.ok ? r.message : !done ? "the agent answered with a malformed result" : done.timed_out ? "timed out" : null;
    const action = this.c.state.finishAction(id, {
      status,
      exit_code: done?.exit_code ?? null,
      duration_ms: done?.duration_ms ?? Date.now() - started,
      output_tail: tail,
      error,
    });
    this.c.emit({ ...base, at: new Date().toISOString(), status, ...(done ? { result: done } : {}), ...(error ? { error } : {}) });
    await this.c.flushed();
    // The agent refused the request itself (its code passed on): the caller may answer with that.
    return { action, refusal: !r.ok && PASSED_ON.has(r.code) ? r : null };
  }
}
