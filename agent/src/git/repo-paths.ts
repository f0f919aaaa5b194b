import { realpath } from "node:fs/promises";
import { isAbsolute, join, posix, resolve } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { RpcError } from "../rpc-error.ts";
import { isInside, notFound, outsideRoots, realRoots, whereItLeads } from "../root-paths.ts";
import { runGit } from "./run-git.ts";

/**
 * The real path of the work tree `repo` names, once it is known to be the top of a git work tree
 * inside one of the project roots. Symlinks are resolved first, so a link inside a root that
 * leads elsewhere is refused like the place it leads to.
 */
export async function resolveRepo(repo: string, config: AgentConfig): Promise<string> {
  if (config.roots.length === 0) throw new RpcError("E-CONFIG", 'git needs a project root: add one to "roots" in config.yaml');
  if (!isAbsolute(repo)) throw new RpcError("E-VALIDATION", `${repo}: must be the repository's absolute path`);

  const roots = await realRoots(config.roots);
  const real = await realpath(repo).catch(notFound);
  if (real === undefined) {
    // Say "not found" only inside the roots: outside them, the agent does not tell what exists.
    if (!roots.some((root) => isInside(resolve(repo), root))) throw outsideRoots(repo);
    throw new RpcError("E-NOT-FOUND", `${repo}: no such directory`);
  }
  if (!roots.some((root) => isInside(real, root))) throw outsideRoots(repo);

  // A subdirectory of a work tree would make git act on the whole repository the caller did not name.
  // Exit 128: not a work tree (or inside .git, or a bare repository).
  const top = await runGit(real, ["rev-parse", "--show-toplevel"], { readOnly: true, okExitCodes: [128] });
  const realTop = top.exitCode === 0 ? await realpath(top.stdout.trim()).catch(notFound) : undefined;
  if (realTop !== real) throw new RpcError("E-NOT-FOUND", `${repo} is not the top of a git work tree`);
  return real;
}

/**
 * Checks paths a request names inside the repository at `repoTop` (a real path) and returns them
 * normalized. Each must be relative, without `..`, and really lead inside the repository once
 * symlinks are followed: a link to /etc inside the work tree is refused, not staged or diffed.
 */
export async function confinePaths(repoTop: string, paths: readonly string[]): Promise<string[]> {
  const confined: string[] = [];
  for (const path of paths) {
    if (path === "" || path.includes("\0")) throw new RpcError("E-VALIDATION", "a path must be a non-empty string without NUL");
    if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) throw forbidden(path, "must be relative to the repository");
    if (path.split(/[\\/]/).includes("..")) throw forbidden(path, "must not contain ..");
    const normalized = posix.normalize(path.replaceAll("\\", "/")).replace(/\/+$/, "") || ".";
    const leadsTo = await whereItLeads(join(repoTop, normalized));
    if (!isInside(leadsTo, repoTop)) throw forbidden(path, "leads outside the repository");
    confined.push(normalized);
  }
  return confined;
}

function forbidden(path: string, why: string): RpcError {
  return new RpcError("E-AUTH-FORBID", `path "${path}" ${why}`);
}
