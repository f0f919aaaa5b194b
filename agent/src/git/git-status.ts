import { access } from "node:fs/promises";
import { join } from "node:path";
import type { GitStatus } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";
import { runGit } from "./run-git.ts";

type GitChange = GitStatus["staged"][number];
export type RepoOperation = NonNullable<GitStatus["operation"]>;

/** The status of the work tree at `top`; `repo` is the path the request named it by. */
export async function readStatus(repo: string, top: string, signal?: AbortSignal): Promise<GitStatus> {
  const [out, operation] = await Promise.all([
    runGit(top, ["status", "--porcelain=v2", "--branch", "-z"], { readOnly: true, signal }),
    detectOperation(top, signal),
  ]);
  return { repo, operation, ...parsePorcelainV2(out.stdout) };
}

/** Files git leaves in its directory while an operation waits for the user (see git's wt-status.c). */
const OPERATION_MARKERS: [string, RepoOperation][] = [
  ["rebase-merge", "rebase"],
  ["rebase-apply", "rebase"],
  ["MERGE_HEAD", "merge"],
  ["CHERRY_PICK_HEAD", "cherry-pick"],
  ["REVERT_HEAD", "revert"],
  ["BISECT_LOG", "bisect"],
];

/** What the repository is in the middle of, if anything. A rebase stopped on a conflict counts as a rebase. */
export async function detectOperation(top: string, signal?: AbortSignal): Promise<RepoOperation | null> {
  // The per-worktree git directory: a linked worktree's merge is its own.
  const gitDir = (await runGit(top, ["rev-parse", "--absolute-git-dir"], { readOnly: true, signal })).stdout.trim();
  for (const [marker, operation] of OPERATION_MARKERS) {
    if (await exists(join(gitDir, marker))) return operation;
  }
  return null;
}

/**
 * Parses `git status --porcelain=v2 --branch -z` (git-status(1), "Porcelain Format Version 2"):
 * NUL-terminated records; a rename record's original path is the record after it.
 */
export function parsePorcelainV2(text: string): Omit<GitStatus, "repo" | "operation"> {
  const status: Omit<GitStatus, "repo" | "operation"> = {
    branch: null,
    head: null,
    upstream: null,
    ahead: 0,
    behind: 0,
    staged: [],
    unstaged: [],
    untracked: [],
    conflicted: [],
  };
  const records = text.split("\0");
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record === "") continue;
    switch (record[0]) {
      case "#":
        readHeader(record, status);
        break;
      case "1": {
        const [[, xy], path] = splitFields(record, 8);
        addChange(status, xy!, path);
        break;
      }
      case "2": {
        const [[, xy], path] = splitFields(record, 9);
        const origPath = records[++i];
        if (origPath === undefined) throw malformed(record);
        addChange(status, xy!, path, origPath);
        break;
      }
      case "u":
        status.conflicted.push(splitFields(record, 10)[1]);
        break;
      case "?":
        status.untracked.push(record.slice(2));
        break;
      case "!":
        break; // ignored files: only with --ignored, which we do not ask for
      default:
        throw malformed(record);
    }
  }
  return status;
}

function readHeader(record: string, status: Omit<GitStatus, "repo" | "operation">): void {
  const [, key, ...rest] = record.split(" ");
  const value = rest.join(" ");
  switch (key) {
    case "branch.oid":
      status.head = value === "(initial)" ? null : value;
      break;
    case "branch.head":
      status.branch = value === "(detached)" ? null : value;
      break;
    case "branch.upstream":
      status.upstream = value;
      break;
    case "branch.ab": {
      const ab = /^\+(\d+) -(\d+)$/.exec(value);
      if (!ab) throw malformed(record);
      status.ahead = Number(ab[1]);
      status.behind = Number(ab[2]);
      break;
    }
  }
}

/** X is the index's side of a change (staged), Y the work tree's (unstaged); "." is "unchanged". */
function addChange(status: Omit<GitStatus, "repo" | "operation">, xy: string, path: string, origPath?: string): void {
  const change = (letter: string): GitChange =>
    origPath !== undefined && (letter === "R" || letter === "C") ? { path, status: letter, orig_path: origPath } : { path, status: letter };
  const [x, y] = [xy[0] ?? ".", xy[1] ?? "."];
  if (x !== ".") status.staged.push(change(x));
  if (y !== ".") status.unstaged.push(change(y));
}

/** The first `count` space-separated fields of a record, and the rest (a path, which may hold spaces). */
function splitFields(record: string, count: number): [string[], string] {
  const fields: string[] = [];
  let start = 0;
  for (let n = 0; n < count; n++) {
    const space = record.indexOf(" ", start);
    if (space < 0) throw malformed(record);
    fields.push(record.slice(start, space));
    start = space + 1;
  }
  return [fields, record.slice(start)];
}

function malformed(record: string): RpcError {
  return new RpcError("E-INTERNAL", `unexpected line in git status output: ${JSON.stringify(record.slice(0, 200))}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}
