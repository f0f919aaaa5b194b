import { z } from "zod";
import { commandResultSchema } from "./messages.ts";

/**
 * Git on an instance (DESIGN.md, Contracts: Git): what the Worker asks the agent over the
 * `git` RPC, and what the agent answers. Every request names its repository by absolute
 * path; the agent refuses one outside its project roots, a file path that leaves the
 * repository, and anything that could be read as an option.
 */

/** Longest a local git operation may take; remote ones (fetch, pull, push) get their own limit. */
export const GIT_TIMEOUT_MS = 30_000;
export const GIT_REMOTE_TIMEOUT_SECONDS = 300;
/** A diff larger than this is cut, and says so. */
export const MAX_DIFF_BYTES = 2 * 1024 * 1024;

const repo = z.string().min(1).max(4096).refine((p) => p.startsWith("/"), "must be the repository's absolute path on the instance");
/** A path inside the repository, relative to its top; the agent also checks where it really leads. */
export const repoPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes("\0"), "must not contain NUL")
  .refine((p) => !p.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(p), "must be relative to the repository")
  .refine((p) => !p.split(/[\\/]/).includes(".."), "must not contain ..");
/** A revision (`main`, `HEAD~2`, a sha): never something git could take for an option. */
export const revisionSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^-\s][^\s]*$/, "a revision: no spaces, and it may not start with -")
  .refine((r) => !/[\0-\x1f\x7f]/.test(r), "no control characters");
/** A branch name (git check-ref-format --branch is the agent's second check). */
export const branchNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?![-+])(?!.*\.\.)(?!.*@\{)(?!.*\/\/)(?!\/)(?!.*\/$)(?!.*\.lock$)(?!.*\.$)[^\s~^:?*[\\\0-\x1f\x7f]+$/, "not a valid branch name");
const remoteSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, "a remote's name").refine((r) => !r.startsWith("-"), "may not start with -");

/** Each operation's fields: the REST bodies and queries are these, the RPC adds `op`. */
export const gitFields = {
  repos: z.strictObject({}),
  status: z.strictObject({ repo }),
  log: z.strictObject({ repo, ref: revisionSchema.optional(), skip: z.number().int().min(0).max(1_000_000).default(0), limit: z.number().int().min(1).max(200).default(50) }),
  diff: z.strictObject({
    repo,
    /** worktree: unstaged changes; index: staged changes; commits: from → to. */
    mode: z.enum(["worktree", "index", "commits"]).default("worktree"),
    from: revisionSchema.optional(),
    to: revisionSchema.optional(),
    paths: z.array(repoPathSchema).max(500).default([]),
  }),
  stage: z.strictObject({ repo, paths: z.array(repoPathSchema).min(1).max(1000) }),
  unstage: z.strictObject({ repo, paths: z.array(repoPathSchema).min(1).max(1000) }),
  commit: z.strictObject({
    repo,
    message: z.string().trim().min(1, "a commit needs a message").max(64 * 1024),
    author: z.strictObject({ name: z.string().trim().min(1).max(200), email: z.email() }),
  }),
  branches: z.strictObject({ repo }),
  "branch-create": z.strictObject({ repo, name: branchNameSchema, start: revisionSchema.optional(), checkout: z.boolean().default(false) }),
  "branch-delete": z.strictObject({ repo, name: branchNameSchema, force: z.boolean().default(false) }),
  checkout: z.strictObject({ repo, branch: branchNameSchema }),
  remote: z.strictObject({ repo, remote: remoteSchema.optional(), branch: branchNameSchema.optional() }),
};

/**
 * What the RPC adds to every operation's fields. `trusted`: the Worker found that the principal
 * may `command:cloud_instance` on this instance. Untrusted git never starts a program the
 * repository's config names (hooks, fsmonitor, filters, …): writing `.git/config` would otherwise
 * be a way to run commands without `command:` (security issue 19). Absent means untrusted, so a
 * Worker that does not say fails closed. Never part of a REST body: the Worker sets it.
 */
const rpcFields = { trusted: z.boolean().default(false) };

export const gitRequestSchema = z.discriminatedUnion("op", [
  gitFields.repos.extend({ op: z.literal("repos"), ...rpcFields }),
  gitFields.status.extend({ op: z.literal("status"), ...rpcFields }),
  gitFields.log.extend({ op: z.literal("log"), ...rpcFields }),
  gitFields.diff.extend({ op: z.literal("diff"), ...rpcFields }),
  gitFields.stage.extend({ op: z.literal("stage"), ...rpcFields }),
  gitFields.unstage.extend({ op: z.literal("unstage"), ...rpcFields }),
  gitFields.commit.extend({ op: z.literal("commit"), ...rpcFields }),
  gitFields.branches.extend({ op: z.literal("branches"), ...rpcFields }),
  gitFields["branch-create"].extend({ op: z.literal("branch-create"), ...rpcFields }),
  gitFields["branch-delete"].extend({ op: z.literal("branch-delete"), ...rpcFields }),
  gitFields.checkout.extend({ op: z.literal("checkout"), ...rpcFields }),
  gitFields.remote.extend({ op: z.enum(["fetch", "pull", "push"]), ...rpcFields }),
]);
export type GitRequest = z.infer<typeof gitRequestSchema>;
export type GitRequestInput = z.input<typeof gitRequestSchema>;
export type GitOp = GitRequest["op"];

// ── answers ────────────────────────────────────────────────────────────────

export const gitRepoSchema = z.object({ path: z.string(), branch: z.string().nullable(), head: z.string().nullable() });

/** A repository in the middle of something is reported as such, and left alone by operations that would break it further. */
export const gitOperationSchema = z.enum(["merge", "rebase", "cherry-pick", "revert", "bisect"]).nullable();

export const gitChangeSchema = z.object({
  path: z.string(),
  /** One letter as git's porcelain gives it: M modified, A added, D deleted, R renamed, C copied, T type changed. */
  status: z.string().max(2),
  orig_path: z.string().optional(),
});

export const gitStatusSchema = z.object({
  repo: z.string(),
  branch: z.string().nullable(), // null when HEAD is detached
  head: z.string().nullable(), // null before the first commit
  upstream: z.string().nullable(),
  ahead: z.number().int(),
  behind: z.number().int(),
  operation: gitOperationSchema,
  staged: z.array(gitChangeSchema),
  unstaged: z.array(gitChangeSchema),
  untracked: z.array(z.string()),
  conflicted: z.array(z.string()),
});
export type GitStatus = z.infer<typeof gitStatusSchema>;

export const gitCommitSchema = z.object({
  sha: z.string(),
  parents: z.array(z.string()),
  author_name: z.string(),
  author_email: z.string(),
  date: z.string(),
  subject: z.string(),
});

export const gitLogSchema = z.object({ commits: z.array(gitCommitSchema), has_more: z.boolean() });
export const gitDiffSchema = z.object({ diff: z.string(), truncated: z.boolean() });
export const gitBranchSchema = z.object({ name: z.string(), sha: z.string(), upstream: z.string().nullable(), current: z.boolean() });
export const gitBranchesSchema = z.object({ current: z.string().nullable(), branches: z.array(gitBranchSchema) });
export const gitCommittedSchema = z.object({ sha: z.string(), summary: z.string() });

/** What each operation answers; remote operations answer like a command (their output streamed as progress). */
export const gitResultSchemas = {
  repos: z.object({ repos: z.array(gitRepoSchema) }),
  status: gitStatusSchema,
  log: gitLogSchema,
  diff: gitDiffSchema,
  stage: gitStatusSchema,
  unstage: gitStatusSchema,
  commit: gitCommittedSchema,
  branches: gitBranchesSchema,
  "branch-create": gitBranchesSchema,
  "branch-delete": gitBranchesSchema,
  checkout: gitStatusSchema,
  fetch: commandResultSchema,
  pull: commandResultSchema,
  push: commandResultSchema,
} as const satisfies Record<GitOp, z.ZodType>;
export type GitResult<O extends GitOp> = z.infer<(typeof gitResultSchemas)[O]>;
export const isRemoteGitOp = (op: GitOp): op is "fetch" | "pull" | "push" => op === "fetch" || op === "pull" || op === "push";
