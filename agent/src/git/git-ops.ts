import type { AgentConfig } from "@anchorage/common/agent-config";
import { gitRequestSchema, type GitOp, type GitRequest, type GitResult } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";
import { discoverRepos } from "./discover-repos.ts";
import { createBranch, deleteBranch, listBranches, switchBranch } from "./git-branches.ts";
import { commitStaged } from "./git-commit.ts";
import { readDiff } from "./git-diff.ts";
import { readLog } from "./git-log.ts";
import { runRemoteOp } from "./git-remote.ts";
import { stagePaths, unstagePaths } from "./git-staging.ts";
import { detectOperation, readStatus } from "./git-status.ts";
import { confinePaths, resolveRepo } from "./repo-paths.ts";
import { refuseExecConfig } from "./exec-config.ts";
import { runTrusted } from "./run-git.ts";

export interface GitContext {
  config: AgentConfig;
  /** Output of fetch, pull and push as it comes. */
  progress: (stream: "stdout" | "stderr", data: string) => void;
  /** Aborted when the connection drops: git is stopped. */
  signal: AbortSignal;
}

/**
 * The `git` RPC (DESIGN.md, Contracts: Git). Every request is checked against gitRequestSchema,
 * its repository confined to the project roots and its paths to the repository before git runs.
 * An untrusted request (its principal may not run commands here) runs git with every
 * repository-configured program off, on a repository whose config names none (exec-config.ts).
 */
export async function handleGit(params: unknown, ctx: GitContext): Promise<GitResult<GitOp>> {
  const parsed = gitRequestSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RpcError("E-VALIDATION", issue ? `${issue.path.join(".") || "params"}: ${issue.message}` : "not a git request");
  }
  const request = parsed.data;
  return runTrusted(request.trusted, () => runOp(request, ctx));
}

async function runOp(request: GitRequest, ctx: GitContext): Promise<GitResult<GitOp>> {
  const { signal } = ctx;
  // Listing runs only git's own plumbing (symbolic-ref, rev-parse), under the overrides when untrusted.
  if (request.op === "repos") return { repos: await discoverRepos(ctx.config, signal) };

  const top = await resolveRepo(request.repo, ctx.config);
  if (!request.trusted) await refuseExecConfig(top, request.repo, signal);
  switch (request.op) {
    case "status":
      return readStatus(request.repo, top, signal);
    case "log":
      return readLog(top, request, signal);
    case "diff":
      return readDiff(top, { ...request, paths: await confinePaths(top, request.paths) }, signal);
    case "stage":
      await stagePaths(top, await confinePaths(top, request.paths), signal);
      return readStatus(request.repo, top, signal);
    case "unstage":
      await unstagePaths(top, await confinePaths(top, request.paths), signal);
      return readStatus(request.repo, top, signal);
    case "commit":
      return commitStaged(top, request, signal);
    case "branches":
      return listBranches(top, signal);
    case "branch-create":
      if (request.checkout) await refuseMidOperation(request, top, signal);
      await createBranch(top, request.name, request.start, request.checkout, signal);
      return listBranches(top, signal);
    case "branch-delete":
      await deleteBranch(top, request.name, request.force, signal);
      return listBranches(top, signal);
    case "checkout":
      await refuseMidOperation(request, top, signal);
      await switchBranch(top, request.branch, signal);
      return readStatus(request.repo, top, signal);
    case "pull":
      await refuseMidOperation(request, top, signal);
      return runRemoteOp(top, request, ctx);
    case "fetch":
    case "push":
      return runRemoteOp(top, request, ctx);
  }
}

/**
 * Moving HEAD or merging into a work tree that holds a half-done merge, rebase, cherry-pick or
 * revert mixes two pieces of work the user can no longer take apart. A bisect only reads.
 */
async function refuseMidOperation(request: Extract<GitRequest, { repo: string }>, top: string, signal: AbortSignal): Promise<void> {
  const operation = await detectOperation(top, signal);
  if (operation !== null && operation !== "bisect") {
    throw new RpcError("E-CONFLICT", `${request.repo} is in the middle of a ${operation}; finish or abort it first`);
  }
}
