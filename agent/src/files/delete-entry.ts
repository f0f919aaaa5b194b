import type { Stats } from "node:fs";
import { lstat, mkdir, realpath } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { BACKUP_DIR, type DeleteResult } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { isInside, whereItLeads } from "../root-paths.ts";
import { syncDirectory } from "../home.ts";
import { inBackupFolder, movablePlace } from "./entry-place.ts";
import { renameNoReplace } from "./rename-no-replace.ts";

/**
 * Deletes a file, a symlink (the link, not its target) or a folder with everything in it, the way
 * a sync deletes (DESIGN.md, "Sync that deletes data"): moved whole, in one rename, into
 * `<root>/.anchorage-backups/<path>.<UTC time>`, where it stays until backups expire
 * (`sync.backup_days`). Refused: a root, the backup folder and anything in it (the backups are
 * what makes a delete undoable; they expire by themselves).
 */
export async function deleteIntoBackup(path: string, config: AgentConfig, now = new Date()): Promise<DeleteResult> {
  const place = await movablePlace(path, config, "deleted");
  if (await inBackupFolder(place.real, config)) {
    throw new RpcError("E-AUTH-FORBID", `${path} is in the backup folder: backups are not deleted through the API (they expire after sync.backup_days; move one out to restore it)`);
  }
  const st = await lstat(place.real).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new RpcError("E-NOT-FOUND", `${path}: no such file or folder`);
    throw e;
  });
  const backup = await moveIntoBackup(place.real, place.root, st, now).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "EXDEV" || e.code === "EBUSY") throw new RpcError("E-CONFLICT", `${path} is on another file system than ${join(place.root, BACKUP_DIR)} (a mount point?): not deleted, since nothing is deleted without its copy kept`);
    throw e;
  });
  return { path, type: st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "directory" : st.isFile() ? "file" : "other", backup };
}

/**
 * Moves an entry of `root` (`st` its lstat) to `<root>/.anchorage-backups/<its path>.<time>`, never
 * over another backup (one of the same millisecond gets `.1`, `.2`…); returns where it went.
 */
export async function moveIntoBackup(real: string, root: string, st: Stats, at: Date): Promise<string> {
  const target = join(root, BACKUP_DIR, `${relative(root, real)}.${at.toISOString().replace(/:/g, "-")}`);
  // The backup folder is inside the tree and could be a link someone made: it must stay in the
  // root, checked before mkdir (which would follow the link and create folders out there) and after.
  const refused = () => new RpcError("E-AUTH-FORBID", `${BACKUP_DIR} leads outside the project root ${root}`);
  if (!isInside(await whereItLeads(dirname(target)), root)) throw refused();
  await mkdir(dirname(target), { recursive: true });
  if (!isInside(await realpath(dirname(target)), root)) throw refused();
  for (let n = 1, candidate = target; ; candidate = `${target}.${n++}`) {
    try {
      await renameNoReplace(real, candidate, st);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || n > 20) throw e;
      continue;
    }
    await syncDirectory(dirname(real));
    await syncDirectory(dirname(candidate));
    return candidate;
  }
}
