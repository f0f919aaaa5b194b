import type { Dirent, Stats } from "node:fs";
import { lstat, opendir, readlink } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { MAX_SCAN_FILES } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { isInside, realRoots, whereItLeads } from "../root-paths.ts";
import { syncDirectory } from "../home.ts";
import { inBackupFolder, movablePlace } from "./entry-place.ts";
import { renameNoReplace } from "./rename-no-replace.ts";

/**
 * Renames or moves one entry (a file, a folder with all it holds, or a symlink as a link) to a
 * place under the roots (protocol/files.ts `files.rename`). Atomic, and never over something:
 * anything at `to` is E-CONFLICT, and so is `to` on another file system (a move there would be a
 * copy, which this is not). Refused: a root itself, a folder into itself, anything into the backup
 * folder (a delete puts things there, with its time), and a move that would leave a symlink
 * leading out of the roots.
 */
export async function moveEntry(from: string, to: string, config: AgentConfig): Promise<{ from: string; to: string }> {
  const src = await movablePlace(from, config, "moved");
  const dst = await movablePlace(to, config, "replaced");
  const st = await lstat(src.real).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new RpcError("E-NOT-FOUND", `${from}: no such file or folder`);
    throw e;
  });
  if (!dst.folderExists) throw new RpcError("E-NOT-FOUND", `${dirname(to)}: no such folder to move into`);
  if (st.isDirectory() && isInside(dst.real, src.real)) throw new RpcError("E-VALIDATION", `${from} cannot be moved into itself (${to})`);
  // What is in the backup folder is the agent's: it may be moved out (a restore), nothing moved in.
  if (await inBackupFolder(dst.real, config)) throw new RpcError("E-AUTH-FORBID", `${to} is in the backup folder: nothing is moved into it (deleting moves a file there, with its time)`);
  await refuseLinksLeadingOut(from, src.real, dst.real, st, await realRoots(config.roots));

  await renameNoReplace(src.real, dst.real, st).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "EEXIST" || e.code === "ENOTEMPTY") throw new RpcError("E-CONFLICT", `${to} already exists: nothing is replaced by a move (delete it first)`);
    if (e.code === "EXDEV") throw new RpcError("E-CONFLICT", `${from} and ${dirname(to)} are on different file systems: a move between them would be a copy, and is not made (copy it, then delete the original)`);
    if (e.code === "EBUSY") throw new RpcError("E-CONFLICT", `${from} is in use (a mount point?): not moved`);
    throw e;
  });
  await syncDirectory(dirname(src.real));
  if (dirname(dst.real) !== dirname(src.real)) await syncDirectory(dirname(dst.real));
  return { from, to };
}

/** A folder moved elsewhere has its links checked one by one: past this many entries the move is refused rather than left unchecked. */
const MAX_CHECKED_ENTRIES = MAX_SCAN_FILES;

/**
 * A relative symlink means something else once moved to another folder: `../../x` from a deeper
 * place may lead out of the roots, where the agent (and the local app, git, a shell) would follow
 * it. So a move to another folder is refused when it would leave a link leading outside every
 * root: the link itself, or any link inside a moved folder whose target leaves that folder.
 * Absolute links, and links that stay within the moved folder, mean the same after the move. Sync
 * refuses to create such links (apply-entries.ts makeSymlink); a move may not make them either.
 */
async function refuseLinksLeadingOut(from: string, src: string, dst: string, st: Stats, roots: string[]): Promise<void> {
  // Renamed in place: every relative target still starts from the same folder.
  if (dirname(src) === dirname(dst) || (!st.isSymbolicLink() && !st.isDirectory())) return;
  const check = async (linkAt: string, target: string) => {
    if (isAbsolute(target)) return;
    if (st.isDirectory() && isInside(resolve(dirname(linkAt), target), src)) return; // moves with the folder
    const movedTo = join(dst, relative(src, linkAt));
    const leads = await whereItLeads(resolve(dirname(movedTo), target));
    if (!roots.some((r) => isInside(leads, r))) {
      throw new RpcError("E-AUTH-FORBID", `moving ${from} would make the symlink ${movedTo} (to ${target}) lead to ${leads}, outside the project roots: not moved`);
    }
  };
  if (st.isSymbolicLink()) return check(src, await readlink(src));
  let seen = 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const d of (await opendir(dir)) as AsyncIterable<Dirent>) {
      if (++seen > MAX_CHECKED_ENTRIES) throw new RpcError("E-VALIDATION", `${from} holds more than ${MAX_CHECKED_ENTRIES} entries: too many to check its links before a move to another folder (rename it in place, or move smaller folders)`);
      const path = join(dir, d.name);
      if (d.isSymbolicLink()) await check(path, await readlink(path));
      else if (d.isDirectory()) await walk(path);
    }
  };
  await walk(src); // a real folder: its place has no link left, and lstat said it is no link

}
