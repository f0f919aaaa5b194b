import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { agentConfigSchema, type AgentConfig } from "@anchorage/common/agent-config";
import type { GitOp, GitRequestInput, GitResult } from "@anchorage/common/protocol/git";
import { handleGit, type GitContext } from "../../../agent/src/git/git-ops.ts";
import { RpcError } from "../../../agent/src/rpc-error.ts";

// The machine's own git config (an identity, a credential helper, commit signing) stays out of the tests.
process.env.GIT_CONFIG_GLOBAL = "/dev/null";
process.env.GIT_CONFIG_NOSYSTEM = "1";

const fixtureEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
  LC_ALL: "C",
};

/** git as the test's own hand, outside the agent: sets repositories up and checks what the agent did. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: fixtureEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function write(repo: string, path: string, content: string): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

/** A repository on branch main; with files, they are its first commit. */
export function initRepo(dir: string, files: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  if (Object.keys(files).length > 0) {
    for (const [path, content] of Object.entries(files)) write(dir, path, content);
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "first");
  }
  return dir;
}

export function commitFile(repo: string, path: string, content: string, message = `change ${path}`): string {
  write(repo, path, content);
  git(repo, "add", "-A", "--", path);
  git(repo, "commit", "-q", "-m", message);
  return git(repo, "rev-parse", "HEAD").trim();
}

export interface Workspace {
  /** Temp dir holding the root and what lies outside it. */
  base: string;
  /** The agent's one project root. */
  root: string;
  /** A directory next to the root, outside it. */
  outside: string;
  config: AgentConfig;
  ctx: GitContext;
  output: { stream: "stdout" | "stderr"; data: string }[];
  /** The git RPC as the agent answers it; trusted (the owner's) unless `trusted: false` is given. */
  call<O extends GitOp>(params: GitRequestInput & { op: O }): Promise<GitResult<O>>;
  /** The RpcError the git RPC refuses `params` with; params need not be valid. */
  refusal(params: unknown): Promise<RpcError>;
  cleanup(): Promise<void>;
}

/** The RpcError a promise rejects with (the test fails if it resolves, or rejects with anything else). */
export async function rpcRejection(promise: Promise<unknown>): Promise<RpcError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

export async function makeWorkspace(): Promise<Workspace> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "anchorage-git-")));
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  const config = agentConfigSchema.parse({ name: "git-test", roots: [root] });
  const output: Workspace["output"] = [];
  const ctx: GitContext = { config, progress: (stream, data) => output.push({ stream, data }), signal: new AbortController().signal };
  // As the owner would call (trusted: today's git) unless a test says otherwise.
  const run = (params: unknown) => handleGit(typeof params === "object" && params !== null && !("trusted" in params) ? { trusted: true, ...params } : params, ctx);
  return {
    base,
    root,
    outside,
    config,
    ctx,
    output,
    call: <O extends GitOp>(params: GitRequestInput & { op: O }) => run(params) as Promise<GitResult<O>>,
    refusal: (params) => rpcRejection(run(params)),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
