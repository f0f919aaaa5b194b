import { readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { GitResult } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";
import { currentBranch, headCommit } from "./git-head.ts";

export type GitRepo = GitResult<"repos">["repos"][number];

/** How far below a root repositories are looked for: a root's own repository is depth 0. */
export const DISCOVERY_DEPTH = 4;
/** Dependencies are not the user's projects, and a .git holds no work tree of its own. */
const SKIPPED = new Set(["node_modules", ".git"]);
/** Repositories described at once: each takes two short git processes. */
const CONCURRENCY = 8;

/**
 * Every git work tree under the project roots, the roots included, down to DISCOVERY_DEPTH.
 * Symlinked directories are not followed, so the walk never leaves the roots. Paths are given
 * as reached from the root (what `resolveRepo` accepts back), sorted.
 */
export async function discoverRepos(config: AgentConfig, signal?: AbortSignal): Promise<GitRepo[]> {
  const found = new Map<string, string>(); // real path → path as reached, so overlapping roots list a repo once
  for (const root of config.roots) await walk(root, 0, found);

  const paths = [...found.values()].sort();
  const repos: (GitRepo | undefined)[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) repos[i] = await describeRepo(paths[i]!, signal);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, worker));
  return repos.filter((repo): repo is GitRepo => repo !== undefined);
}

async function walk(dir: string, depth: number, found: Map<string, string>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(unreadable);
  if (entries === undefined) return;
  // `.git` is a directory in a clone, a file in a linked worktree or a submodule.
  if (entries.some((e) => e.name === ".git" && (e.isDirectory() || e.isFile()))) {
    const real = await realpath(dir);
    if (!found.has(real)) found.set(real, dir);
  }
  if (depth >= DISCOVERY_DEPTH) return;
  for (const entry of entries) {
    // A symlink's Dirent is not a directory: links are never followed.
    if (entry.isDirectory() && !SKIPPED.has(entry.name)) await walk(join(dir, entry.name), depth + 1, found);
  }
}

async function describeRepo(path: string, signal?: AbortSignal): Promise<GitRepo | undefined> {
  try {
    const [branch, head] = await Promise.all([currentBranch(path, signal), headCommit(path, signal)]);
    return { path, branch, head };
  } catch (err) {
    // A `.git` git cannot read (broken, another user's) is no repository the agent can work on.
    if (err instanceof RpcError && err.code === "E-VALIDATION") return undefined;
    throw err;
  }
}

/** A directory the agent may not read, or that vanished mid-walk, holds nothing to list. */
function unreadable(err: NodeJS.ErrnoException): undefined {
  if (err.code === "EACCES" || err.code === "EPERM" || err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
  throw err;
}
