import type { GitResult } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";
import { currentBranch } from "./git-head.ts";
import { runGit } from "./run-git.ts";

type GitBranches = GitResult<"branches">;

/** The local branches, and the one HEAD is on (null when detached). */
export async function listBranches(top: string, signal?: AbortSignal): Promise<GitBranches> {
  // Full ref names: refname:short turns into "heads/x" when a tag x exists too.
  const format = "--format=%(refname)%00%(objectname)%00%(upstream:short)";
  const [out, current] = await Promise.all([
    runGit(top, ["for-each-ref", format, "refs/heads/"], { readOnly: true, signal }),
    currentBranch(top, signal),
  ]);
  const branches = out.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [ref = "", sha = "", upstream = ""] = line.split("\0");
      const name = ref.slice("refs/heads/".length);
      return { name, sha, upstream: upstream === "" ? null : upstream, current: name === current };
    });
  return { current, branches };
}

/** Creates branch `name` at `start` (HEAD by default), switching to it when `checkout` is set. */
export async function createBranch(top: string, name: string, start: string | undefined, checkout: boolean, signal?: AbortSignal): Promise<void> {
  await checkBranchName(top, name, signal);
  const from = start === undefined ? [] : [start];
  // switch -c creates and switches in one step: a switch that fails leaves no new branch behind.
  const args = checkout ? ["switch", "-c", name, "--end-of-options", ...from] : ["branch", "--end-of-options", name, ...from];
  await runGit(top, args, { signal });
}

/** Deletes branch `name`; one not merged into its upstream or HEAD only when `force` is set. */
export async function deleteBranch(top: string, name: string, force: boolean, signal?: AbortSignal): Promise<void> {
  await checkBranchName(top, name, signal);
  if ((await currentBranch(top, signal)) === name) {
    throw new RpcError("E-CONFLICT", `${name} is the current branch; switch to another branch before deleting it`);
  }
  await runGit(top, ["branch", force ? "-D" : "-d", "--end-of-options", name], { signal });
}

/** Switches the work tree to branch `name`, creating it from a remote branch of that name if only that exists. */
export async function switchBranch(top: string, name: string, signal?: AbortSignal): Promise<void> {
  await checkBranchName(top, name, signal);
  await runGit(top, ["switch", "--end-of-options", name], { signal });
}

/** git's own rules for a branch name, after branchNameSchema's: git is the authority on what it accepts. */
async function checkBranchName(top: string, name: string, signal?: AbortSignal): Promise<void> {
  const out = await runGit(top, ["check-ref-format", "--branch", name], { readOnly: true, okExitCodes: [1, 128], signal });
  if (out.exitCode !== 0) throw new RpcError("E-VALIDATION", `name: "${name}" is not a valid branch name`);
}
