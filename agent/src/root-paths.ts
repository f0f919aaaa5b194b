import { readlink, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { RpcError } from "./rpc-error.ts";

/**
 * Confinement to the project roots (`roots` in config.yaml), shared by git and files: a path is
 * judged by where it really leads once symlinks are resolved, so a link inside a root that
 * points elsewhere is refused like the place it points to.
 */

/** Whether `path` is `dir` or inside it; both absolute and already resolved. */
export function isInside(path: string, dir: string): boolean {
  if (path === dir) return true;
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** The real paths of the roots that exist (a missing root confines nothing). */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((root) => realpath(root).catch(notFound)));
  return real.filter((root): root is string => root !== undefined);
}

/**
 * The real path `path` leads to. A path that does not exist (a deleted file being staged, a file
 * about to be created) leads where its nearest existing ancestor really is; a dangling symlink
 * leads to its target's place.
 */
export async function whereItLeads(path: string, hops = 0): Promise<string> {
  const real = await realpath(path).catch(notFound);
  if (real !== undefined) return real;
  // Linux stops following after 40 links (ELOOP); after that, judge by the parent alone.
  const target = hops < 40 ? await readlink(path).catch(notFoundOrNotLink) : undefined;
  if (target !== undefined) return whereItLeads(resolve(dirname(path), target), hops + 1);
  const parent = dirname(path);
  if (parent === path) return path;
  return join(await whereItLeads(parent, hops), basename(path));
}

export type Confined = {
  /** Where the path really leads (symlinks resolved; for a missing path, through its nearest existing ancestor). */
  real: string;
  /** The real path of the root it lies in. */
  root: string;
  /** Whether something exists there. */
  exists: boolean;
};

/**
 * Confines an absolute path the server sent to the project roots. Refused: a relative path, `..`,
 * and anything that leads outside every root. Outside the roots the agent says "forbidden" whether
 * or not the path exists, so nothing is learnt about the rest of the machine.
 */
export async function confineToRoots(path: string, config: AgentConfig): Promise<Confined> {
  if (config.roots.length === 0) throw new RpcError("E-CONFIG", 'no project roots: add one to "roots" in config.yaml');
  if (path === "" || path.includes("\0")) throw new RpcError("E-VALIDATION", "a path must be a non-empty string without NUL");
  if (!isAbsolute(path)) throw new RpcError("E-VALIDATION", `${path}: must be an absolute path`);
  if (path.split(/[\\/]/).includes("..")) throw new RpcError("E-AUTH-FORBID", `${path}: must not contain ..`);
  const roots = await realRoots(config.roots);
  const real = await whereItLeads(resolve(path));
  const root = roots.filter((r) => isInside(real, r)).sort((a, b) => b.length - a.length)[0];
  if (root === undefined) throw outsideRoots(path);
  const exists = (await realpath(real).catch(notFound)) !== undefined;
  return { real, root, exists };
}

export function outsideRoots(path: string): RpcError {
  return new RpcError("E-AUTH-FORBID", `${path} is outside the project roots`);
}

export function notFound(err: NodeJS.ErrnoException): undefined {
  if (err.code === "ENOENT" || err.code === "ENOTDIR" || err.code === "ELOOP") return undefined;
  throw err;
}

function notFoundOrNotLink(err: NodeJS.ErrnoException): undefined {
  if (err.code === "EINVAL") return undefined; // exists, but is not a symlink
  return notFound(err);
}
