import type { CommandResult } from "@anchorage/common/protocol/messages";
import { GIT_REMOTE_TIMEOUT_SECONDS, type GitRequest } from "@anchorage/common/protocol/git";
import { CommandError, runCommand } from "../command-runner.ts";
import { RpcError } from "../rpc-error.ts";
import { gitEnv, runGit, untrustedOverrides } from "./run-git.ts";

type RemoteRequest = Extract<GitRequest, { op: "fetch" | "pull" | "push" }>;

export interface RemoteContext {
  progress: (stream: "stdout" | "stderr", data: string) => void;
  signal: AbortSignal;
}

/**
 * Runs fetch, pull (fast-forward only) or push like a command: its output streams as progress, and
 * the answer is its result whatever the exit code, so a rejected push is reported, not thrown.
 */
export async function runRemoteOp(top: string, request: Pick<RemoteRequest, "op" | "remote" | "branch">, ctx: RemoteContext): Promise<CommandResult> {
  // Untrusted: the same overrides runGit gives (no hooks, no ssh command or ext:: transport of the repository's).
  const argv = ["git", ...untrustedOverrides(), "-C", top, request.op, "--progress"];
  // --no-rebase: pull.rebase in a config must not turn a fast-forward into a rebase.
  if (request.op === "pull") argv.push("--ff-only", "--no-rebase");
  if (request.branch !== undefined) {
    // A full refspec: a branch named "+main" would otherwise be read as a forced push of main.
    argv.push(request.remote ?? (await remoteOf(top, request.branch, ctx.signal)), `refs/heads/${request.branch}`);
  } else if (request.remote !== undefined) {
    argv.push(request.remote);
  }
  try {
    // runCommand starts git in a new session without a terminal, so ssh cannot prompt either.
    return await runCommand({ argv }, { onOutput: ctx.progress, timeoutMs: GIT_REMOTE_TIMEOUT_SECONDS * 1000, signal: ctx.signal, env: gitEnv() });
  } catch (err) {
    if (err instanceof CommandError) throw new RpcError(err.code, err.message);
    throw err;
  }
}

/** The remote a branch tracks, or origin, as git itself would pick for it. */
async function remoteOf(top: string, branch: string, signal: AbortSignal): Promise<string> {
  // Exit 1: the key is not set.
  const out = await runGit(top, ["config", "--get", `branch.${branch}.remote`], { readOnly: true, okExitCodes: [1], signal });
  const remote = out.stdout.trim();
  return out.exitCode === 0 && remote !== "" && !remote.startsWith("-") ? remote : "origin";
}
