import { headCommit } from "./git-head.ts";
import { runGit } from "./run-git.ts";

/** Stages `paths` (already confined) as they are in the work tree: additions, changes and deletions. */
export async function stagePaths(top: string, paths: string[], signal?: AbortSignal): Promise<void> {
  // -A: a deleted file's path stages its deletion instead of failing to match.
  await runGit(top, ["add", "-A", "--", ...paths], { literalPathspecs: true, signal });
}

/** Takes `paths` (already confined) out of the index, back to what HEAD has. */
export async function unstagePaths(top: string, paths: string[], signal?: AbortSignal): Promise<void> {
  // Before the first commit there is no HEAD to restore from: unstaging is removing from the index.
  const args = (await headCommit(top, signal)) === null ? ["rm", "--cached", "-r", "-q", "--", ...paths] : ["restore", "--staged", "--", ...paths];
  await runGit(top, args, { literalPathspecs: true, signal });
}
