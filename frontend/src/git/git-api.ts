import type { gitBranchesSchema, gitCommitSchema, gitCommittedSchema, gitDiffSchema, gitLogSchema, gitRepoSchema, GitStatus } from "@anchorage/common";
import { authed, instancePath, request, type ActionRecord } from "../api.ts";

/**
 * The git routes (DESIGN.md, Contracts: Git): `/api/cloud/instance/:id/git/<op>`, the
 * repository named by its absolute path on the instance, in the query for GET and the body for POST.
 */

type Parsed<S extends { parse: (v: unknown) => unknown }> = ReturnType<S["parse"]>;
export type GitRepo = Parsed<typeof gitRepoSchema>;
export type GitCommit = Parsed<typeof gitCommitSchema>;
export type GitLog = Parsed<typeof gitLogSchema>;
export type GitDiff = Parsed<typeof gitDiffSchema>;
export type GitBranches = Parsed<typeof gitBranchesSchema>;
export type GitCommitted = Parsed<typeof gitCommittedSchema>;
export type { GitStatus };

/** One repository on one instance: what every call below is about. */
export interface RepoRef {
  instanceId: string;
  repo: string;
}

/** What the diff viewer shows: a file's unstaged or staged changes, or what a commit changed. */
export type DiffTarget = { mode: "worktree" | "index"; path: string } | { mode: "commits"; from: string; to: string };

export type RemoteOp = "fetch" | "pull" | "push";

const get = <T>(r: RepoRef, op: string, query: Record<string, string> = {}) =>
  authed(() => request<T>("GET", instancePath(r.instanceId, `git/${op}?${new URLSearchParams({ repo: r.repo, ...query })}`)));

const post = <T>(r: RepoRef, op: string, body: Record<string, unknown> = {}) =>
  authed(() => request<T>("POST", instancePath(r.instanceId, `git/${op}`), { repo: r.repo, ...body }));

export const listRepos = (instanceId: string) =>
  authed(() => request<{ repos: GitRepo[] }>("GET", instancePath(instanceId, "git/repos"))).then((r) => r.repos);

export const getStatus = (r: RepoRef) => get<GitStatus>(r, "status");

export const getLog = (r: RepoRef, skip: number, limit: number) => get<GitLog>(r, "log", { skip: String(skip), limit: String(limit) });

export const getDiff = (r: RepoRef, t: DiffTarget) =>
  get<GitDiff>(r, "diff", t.mode === "commits" ? { mode: t.mode, from: t.from, to: t.to } : { mode: t.mode, path: t.path });

export const stage = (r: RepoRef, paths: string[]) => post<GitStatus>(r, "stage", { paths });
export const unstage = (r: RepoRef, paths: string[]) => post<GitStatus>(r, "unstage", { paths });
export const commit = (r: RepoRef, message: string) => post<GitCommitted>(r, "commit", { message });

export const getBranches = (r: RepoRef) => get<GitBranches>(r, "branches");
export const createBranch = (r: RepoRef, name: string, checkout: boolean) => post<GitBranches>(r, "branches", { name, checkout });
export const deleteBranch = (r: RepoRef, name: string, force: boolean) => post<GitBranches>(r, "branches/delete", { name, force });
export const checkout = (r: RepoRef, branch: string) => post<GitStatus>(r, "checkout", { branch });

/** fetch, pull (fast-forward only) or push with the upstream's defaults: a recorded action, its output streamed as hub events. */
export const runRemote = (r: RepoRef, op: RemoteOp, target: { remote?: string; branch?: string } = {}) => post<ActionRecord>(r, op, target);

/** git's empty tree: what a root commit is compared with (SHA-1 repositories). */
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** What a commit changed: against its first parent, or the empty tree for a root commit. */
export const commitDiff = (c: GitCommit): DiffTarget => ({ mode: "commits", from: c.parents[0] ?? EMPTY_TREE, to: c.sha });
