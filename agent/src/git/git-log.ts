import type { GitResult } from "@anchorage/common/protocol/git";
import { headCommit } from "./git-head.ts";
import { gitTrusted, runGit } from "./run-git.ts";

type GitLog = GitResult<"log">;
type GitCommit = GitLog["commits"][number];

export interface LogPage {
  /** A revision already checked by revisionSchema; HEAD when absent. */
  ref?: string;
  skip: number;
  limit: number;
}

/** Fields of one commit, each followed by NUL; `-z` ends each commit with one more NUL. */
const FORMAT = ["%H", "%P", "%an", "%ae", "%aI", "%s"].join("%x00");
const FIELDS = 6;

/** One page of the history of `ref`, newest first. A repository without commits has an empty history. */
export async function readLog(top: string, page: LogPage, signal?: AbortSignal): Promise<GitLog> {
  if (page.ref === undefined && (await headCommit(top, signal)) === null) return { commits: [], has_more: false };
  // One commit more than asked says whether there is a next page.
  // Untrusted: no diff driver or textconv program, should a format ever show a diff (issue 19).
  const noPrograms = gitTrusted() ? [] : ["--no-ext-diff", "--no-textconv"];
  const args = ["log", "-z", ...noPrograms, `--format=${FORMAT}`, `--skip=${page.skip}`, `--max-count=${page.limit + 1}`, "--end-of-options", page.ref ?? "HEAD", "--"];
  const out = await runGit(top, args, { readOnly: true, signal });
  const commits = parseLog(out.stdout);
  return { commits: commits.slice(0, page.limit), has_more: commits.length > page.limit };
}

export function parseLog(text: string): GitCommit[] {
  if (text === "") return [];
  const values = text.replace(/\0$/, "").split("\0");
  const commits: GitCommit[] = [];
  for (let i = 0; i + FIELDS <= values.length; i += FIELDS) {
    const [sha, parents, authorName, authorEmail, date, subject] = values.slice(i, i + FIELDS) as [string, string, string, string, string, string];
    commits.push({ sha, parents: parents === "" ? [] : parents.split(" "), author_name: authorName, author_email: authorEmail, date, subject });
  }
  return commits;
}
