import { commandRunParamsSchema, scriptRunParamsSchema, type CommandResult, type RpcMethod } from "@anchorage/common/protocol/messages";
import { terminalCloseParamsSchema } from "@anchorage/common/protocol/terminal";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { systemInfo } from "./system-stats.ts";
import { RpcError } from "./rpc-error.ts";
import type { TerminalSessions } from "./terminal/terminal-sessions.ts";

export type RpcContext = {
  config: AgentConfig;
  startedAt: Date;
  terminals: TerminalSessions;
  /** Sends a chunk of a running command's output. */
  progress: (stream: "stdout" | "stderr", data: string) => void;
  /** Asks the agent to restart itself after answering. */
  requestRestart: () => void;
  /** Aborted when the connection drops: running commands are stopped. */
  signal: AbortSignal;
};

/**
 * What the agent does for each RPC method. Unknown methods never reach here (the schema refuses
 * them). Commands and git are loaded on their first call (issue 22: an idle agent holds no code
 * it has not used).
 */
export async function handleRpc(method: RpcMethod, params: unknown, ctx: RpcContext): Promise<unknown> {
  switch (method) {
    case "ping":
      return { pong: true, at: new Date().toISOString() };
    case "system.info":
      return systemInfo(ctx.startedAt);
    case "terminal.close": {
      const p = terminalCloseParamsSchema.safeParse(params);
      if (!p.success) throw new RpcError("E-VALIDATION", "terminal.close needs { session } or { user }");
      return { closed: ctx.terminals.close(p.data) };
    }
    case "command.run": {
      const p = commandRunParamsSchema.safeParse(params);
      if (!p.success) throw new RpcError("E-VALIDATION", "command.run needs { name }");
      const { CommandError, resolveCommand, runCommand } = await import("./command-runner.ts");
      let spec;
      try {
        spec = resolveCommand(p.data.name, ctx.config);
      } catch (e) {
        throw new RpcError(e instanceof CommandError ? e.code : "E-VALIDATION", (e as Error).message);
      }
      if ("builtin" in spec) {
        ctx.requestRestart();
        const done: CommandResult = { exit_code: 0, signal: null, timed_out: false, duration_ms: 0, stdout_tail: "restarting the agent\n", stderr_tail: "" };
        ctx.progress("stdout", done.stdout_tail);
        return done;
      }
      const timeoutSeconds = p.data.timeout_seconds ?? spec.timeout_seconds ?? 120;
      try {
        return await runCommand(spec, { onOutput: ctx.progress, timeoutMs: timeoutSeconds * 1000, signal: ctx.signal });
      } catch (e) {
        throw new RpcError(e instanceof CommandError ? e.code : "E-INTERNAL", (e as Error).message);
      }
    }
    case "script.run": {
      const p = scriptRunParamsSchema.safeParse(params);
      if (!p.success) throw new RpcError("E-VALIDATION", `script.run needs { interpreter, body, timeout_seconds }: ${p.error.issues.map((i) => `${i.path.join(".") || "(params)"}: ${i.message}`).join("; ")}`);
      const { runScript } = await import("./scripts/run-script.ts");
      return runScript(p.data, { config: ctx.config, onOutput: ctx.progress, signal: ctx.signal });
    }
    case "git": {
      const { handleGit } = await import("./git/git-ops.ts");
      return handleGit(params, { config: ctx.config, progress: ctx.progress, signal: ctx.signal });
    }
  }
}
