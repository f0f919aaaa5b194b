import { constants } from "node:fs";
import { chmod, lstat, lutimes, mkdir, open, realpath, rename, symlink, unlink, utimes } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { ApplyEntry } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { isInside, realRoots, whereItLeads } from "../root-paths.ts";
import { entryPlace } from "./entry-place.ts";
import { syncDirectory } from "../home.ts";

/**
 * The parts of a sync that are not a file's content (rsync -a's meaning, DESIGN.md "Sync"):
 * folders created (empty ones too), symlinks created as symlinks, and the mode and mtime of
 * files, folders and links set. Each entry is judged on its own; one refused is answered with
 * why and the others are still done.
 */

export type ApplyOutcome = { path: string; done: true } | { path: string; skipped: string };

/**
 * An mtime in ms as the seconds utimes takes. Half a microsecond more: a double of ~1.7e9 s
 * holds ~0.24 µs, and `x.123` s stored as `x.1229999…` would read back one millisecond early.
 */
export const utimeSeconds = (mtimeMs: number) => (mtimeMs + 0.0005) / 1000;

/** Creates a folder (and missing parents) with the source's mode; one already there is left as it is (its mode is set last). */
export async function makeDirectory(path: string, mode: number, config: AgentConfig): Promise<void> {
  const { real, root } = await entryPlace(path, config);
  const st = await lstat(real).catch(() => null);
  if (st) {
    if (!st.isDirectory()) throw new RpcError("E-CONFLICT", `${path}: something other than a folder is there`);
    return;
  }
  await mkdir(real, { recursive: true });
  // mkdir followed whatever it met on the way: what it made must still be inside the root.
  if (!isInside(await realpath(real), root)) throw new RpcError("E-AUTH-FORBID", `${path} leads outside the project roots`);
  await chmod(real, mode); // the umask narrowed mkdir's mode
}

/**
 * Creates (or replaces) a symlink atomically: a link under a temp name in the same folder, its
 * mtime set, then renamed over the place. Refused: a target that, read relative to the link's
 * own folder, leads outside every project root (links met on the way are followed), and a place
 * held by a file or a folder.
 */
export async function makeSymlink(path: string, target: string, mtimeMs: number, config: AgentConfig): Promise<void> {
  const { real, root } = await entryPlace(path, config);
  const folder = dirname(real);
  const leads = await whereItLeads(resolve(folder, target));
  const roots = await realRoots(config.roots);
  if (!roots.some((r) => isInside(leads, r))) throw new RpcError("E-AUTH-FORBID", `symlink to ${target} would lead to ${leads}, outside the project roots: not created`);
  const st = await lstat(real).catch(() => null);
  if (st && !st.isSymbolicLink()) throw new RpcError("E-CONFLICT", `${path}: a ${st.isDirectory() ? "folder" : "file"} is there, not a symlink`);
  await mkdir(folder, { recursive: true });
  if (!isInside(await realpath(folder), root)) throw new RpcError("E-AUTH-FORBID", `${path} leads outside the project roots`);
  const temp = join(folder, `.${basename(real)}.anchorage-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    await symlink(target, temp);
    await lutimes(temp, utimeSeconds(mtimeMs), utimeSeconds(mtimeMs));
    await rename(temp, real);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined); // best effort: the original error is what matters
  }
}

/**
 * Sets an entry's mode and mtime, never through a link: a symlink gets its own mtime (lutimes);
 * a file or folder is opened with O_NOFOLLOW and changed through that handle, so a link swapped
 * in since cannot redirect the change.
 */
export async function setMetadata(path: string, mode: number | undefined, mtimeMs: number, config: AgentConfig): Promise<void> {
  const { real } = await entryPlace(path, config);
  const st = await lstat(real).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new RpcError("E-NOT-FOUND", `${path}: no such file or folder`);
    throw e;
  });
  const seconds = utimeSeconds(mtimeMs);
  if (st.isSymbolicLink()) return lutimes(real, seconds, seconds);
  if (!st.isFile() && !st.isDirectory()) throw new RpcError("E-VALIDATION", `${path} is not a file, a folder or a symlink`);
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => (e.code === "EACCES" ? null : Promise.reject(e)));
  if (!handle) {
    // Unreadable to us (mode 000 and the like): by path, after the lstat above said it is no link.
    if (mode !== undefined) await chmod(real, mode);
    return utimes(real, seconds, seconds);
  }
  try {
    if (mode !== undefined) await handle.chmod(mode);
    await handle.utimes(seconds, seconds);
  } finally {
    await handle.close();
  }
}

/** Applies the entries in order (parents before children, or children before parents, as the plan says), each on its own. */
export async function applyEntries(entries: readonly ApplyEntry[], config: AgentConfig): Promise<ApplyOutcome[]> {
  const out: ApplyOutcome[] = [];
  const folders = new Set<string>();
  for (const e of entries) {
    try {
      if (e.kind === "directory") await makeDirectory(e.path, e.mode, config);
      else if (e.kind === "symlink") await makeSymlink(e.path, e.target, e.mtime_ms, config);
      else await setMetadata(e.path, e.mode, e.mtime_ms, config);
      if (e.kind !== "metadata") folders.add(dirname(e.path));
      out.push({ path: e.path, done: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!(err instanceof RpcError) && !code) throw err;
      out.push({ path: e.path, skipped: err instanceof RpcError ? err.message : `${code}: ${(err as Error).message}` });
    }
  }
  // New names made durable once per folder, as a batch of assembled files does.
  for (const f of folders) await realpath(f).then(syncDirectory, () => undefined);
  return out;
}
