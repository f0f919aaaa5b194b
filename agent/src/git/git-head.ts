import { runGit } from "./run-git.ts";

/** The branch HEAD is on (even one without commits yet), or null when HEAD is detached. */
export async function currentBranch(top: string, signal?: AbortSignal): Promise<string | null> {
  // Exit 1: HEAD is not a symbolic ref, i.e. detached.
  const out = await runGit(top, ["symbolic-ref", "--quiet", "HEAD"], { readOnly: true, okExitCodes: [1], signal });
  const ref = out.stdout.trim();
  return out.exitCode === 0 && ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}

/** The commit HEAD points at, or null before the first commit. */
export async function headCommit(top: string, signal?: AbortSignal): Promise<string | null> {
  // Exit 1 with --verify --quiet: HEAD names no commit yet.
  const out = await runGit(top, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { readOnly: true, okExitCodes: [1], signal });
  return out.exitCode === 0 ? out.stdout.trim() : null;
}
