import type { GitRequest, GitResult } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";
import { detectOperation } from "./git-status.ts";
import { gitTrusted, runGit } from "./run-git.ts";

type CommitRequest = Extract<GitRequest, { op: "commit" }>;

/** Commits what is staged, authored and committed by the request's author. */
export async function commitStaged(top: string, request: Pick<CommitRequest, "message" | "author">, signal?: AbortSignal): Promise<GitResult<"commit">> {
  // A merge may conclude with nothing staged (every conflict resolved to one side); anything else may not.
  if ((await detectOperation(top, signal)) !== "merge" && !(await hasStagedChanges(top, signal))) {
    throw new RpcError("E-VALIDATION", "nothing staged to commit");
  }
  const { name, email } = request.author;
  // The identity goes through the environment, which outranks user.name/user.email of any config.
  const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
  // --cleanup=whitespace: a line starting with # is part of the message, not a comment to strip.
  await runGit(top, ["commit", "--quiet", "--cleanup=whitespace", `--message=${request.message}`], { env, signal });
  const out = await runGit(top, ["log", "-1", "--format=%H%x00%s", "HEAD", "--"], { readOnly: true, signal });
  const [sha = "", summary = ""] = out.stdout.replace(/\n$/, "").split("\0");
  return { sha, summary };
}

async function hasStagedChanges(top: string, signal?: AbortSignal): Promise<boolean> {
  // --quiet exits 1 when the index differs from HEAD (or, before the first commit, from the empty tree).
  const out = await runGit(top, ["diff", "--cached", "--quiet", "--no-ext-diff", ...(gitTrusted() ? [] : ["--no-textconv"])], { readOnly: true, okExitCodes: [1], signal });
  return out.exitCode === 1;
}
