import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { CommandResult, ScriptRunParams } from "@anchorage/common/protocol/messages";
import { CommandError, runCommand } from "../command-runner.ts";
import { RpcError } from "../rpc-error.ts";
import { findOnPath } from "./find-on-path.ts";

export type ScriptContext = {
  config: Pick<AgentConfig, "scripts">;
  onOutput: (stream: "stdout" | "stderr", data: string) => void;
  signal?: AbortSignal;
  /** Where the private folder is made (the system's temp folder unless a test says otherwise). */
  tempRoot?: string;
  /** The PATH the interpreter is looked up on (the agent's own unless a test says otherwise). */
  path?: string;
};

const EXTENSIONS = { sh: ".sh", bash: ".sh", python3: ".py" } as const;

/**
 * Runs a script from the library: only when this agent's own config says `scripts: true` (the
 * server checked its copy; this is the check that counts). The body goes to a file in a fresh
 * folder only this user can enter (0700, the file 0600), runs as argv `[interpreter, file, ...args]`
 * with no shell between (an argument `$(...)` stays literal), with a command's timeout, streaming
 * and kill, and the folder is removed afterwards whatever happened.
 */
export async function runScript(params: ScriptRunParams, ctx: ScriptContext): Promise<CommandResult> {
  if (ctx.config.scripts !== true) throw new RpcError("E-AUTH-FORBID", "this agent does not run scripts (scripts: true in its config)");
  const interpreter = await findOnPath(params.interpreter, ctx.path);
  if (!interpreter) throw new RpcError("E-NOT-FOUND", `the interpreter "${params.interpreter}" is not on this machine's PATH`);

  const dir = await mkdtemp(join(ctx.tempRoot ?? tmpdir(), "anchorage-script-"));
  try {
    await chmod(dir, 0o700); // mkdtemp makes it 0700 already; said again so no umask or platform can widen it
    const file = join(dir, `script${EXTENSIONS[params.interpreter]}`);
    // "wx": the file is new, made with 0600 from the start (never readable by others, even for a moment).
    await writeFile(file, params.body, { mode: 0o600, flag: "wx" });
    const timeoutMs = params.timeout_seconds * 1000;
    return await runCommand({ argv: [interpreter, file, ...(params.args ?? [])] }, { onOutput: ctx.onOutput, timeoutMs, signal: ctx.signal });
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw new RpcError(e instanceof CommandError ? e.code : "E-INTERNAL", (e as Error).message);
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
