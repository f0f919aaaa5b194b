import { MAX_DIFF_BYTES, type GitResult } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";
import { gitTrusted, runGit } from "./run-git.ts";

export interface DiffRequest {
  mode: "worktree" | "index" | "commits";
  /** Revisions already checked by revisionSchema. */
  from?: string;
  to?: string;
  /** Paths already confined to the repository. */
  paths: string[];
}

/**
 * A unified diff: worktree = unstaged changes, index = staged ones (against the empty tree
 * before the first commit), commits = from → to (HEAD by default). Cut at MAX_DIFF_BYTES.
 */
export async function readDiff(top: string, request: DiffRequest, signal?: AbortSignal): Promise<GitResult<"diff">> {
  // --no-ext-diff: a diff driver configured for the repository is a program the agent should not start;
  // untrusted, no textconv program either (issue 19).
  const args = ["diff", "--no-color", "--no-ext-diff", ...(gitTrusted() ? [] : ["--no-textconv"])];
  if (request.mode === "commits") {
    if (request.from === undefined) throw new RpcError("E-VALIDATION", 'from: a "commits" diff needs the revision to start from');
    args.push("--end-of-options", request.from, request.to ?? "HEAD");
  } else {
    if (request.from !== undefined || request.to !== undefined) {
      throw new RpcError("E-VALIDATION", `from, to: only a "commits" diff takes revisions, not a "${request.mode}" one`);
    }
    if (request.mode === "index") args.push("--cached");
  }
  args.push("--", ...request.paths);
  const out = await runGit(top, args, { readOnly: true, literalPathspecs: true, maxBytes: MAX_DIFF_BYTES, truncate: true, signal });
  return { diff: out.stdout, truncated: out.truncated };
}
