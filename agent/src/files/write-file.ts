import { randomBytes, createHash } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, open, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { BACKUP_DIR, type WriteResult } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots, isInside, whereItLeads } from "../root-paths.ts";
import { syncDirectory } from "../home.ts";
import { hashFile } from "./hash-file.ts";

export type WriteOptions = {
  /** Write only over content with this SHA-256 (what a read answered). */
  ifMatch?: string;
  /** Write only if nothing is there yet. */
  createOnly?: boolean;
  now?: () => Date;
};

/**
 * Writes a whole file under the roots, atomically: the bytes go to a temp file in the same folder,
 * flushed, then renamed over the target, so a reader (or a crash) sees the old content or the new,
 * never half. Refused: a path that leads outside the roots, through a symlink or otherwise. A
 * symlink that stays inside is written through (the link is kept, its target replaced). An
 * existing file keeps its mode, and its previous content is first copied to
 * `<root>/.anchorage-backups/<path>.<time>` (DESIGN.md, "Sync that deletes data"). Missing
 * folders on the way are created.
 */
export async function writeFileAtomically(path: string, content: Uint8Array, config: AgentConfig, opts: WriteOptions = {}): Promise<WriteResult> {
  const { real, root, exists } = await confineToRoots(path, config);
  let previousMode: number | null = null;
  if (exists) {
    const st = await lstat(real);
    if (!st.isFile()) throw new RpcError("E-VALIDATION", `${path} is not a regular file`);
    previousMode = st.mode & 0o7777;
  }
  if (opts.createOnly && exists) throw new RpcError("E-PRECONDITION", `${path} already exists`);
  if (opts.ifMatch !== undefined) {
    if (!exists) throw new RpcError("E-PRECONDITION", `${path} no longer exists`);
    if ((await hashFile(real)).sha256 !== opts.ifMatch) throw new RpcError("E-PRECONDITION", `${path} changed since it was read (its SHA-256 is no longer ${opts.ifMatch})`);
  }
  if (real === root) throw new RpcError("E-VALIDATION", `${path} is a project root, not a file`);

  const dir = dirname(real);
  await mkdir(dir, { recursive: true });
  // mkdir followed whatever it met; the folder it made or found must still be inside the root.
  if (!isInside(await realpath(dir), root)) throw new RpcError("E-AUTH-FORBID", `${path} leads outside the project roots`);

  const backup = previousMode === null ? null : await backUp(real, root, (opts.now ?? (() => new Date()))());

  const temp = join(dir, `.${basename(real)}.anchorage-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    // O_EXCL: never reuse or follow something already at the temp name.
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
    try {
      await handle.writeFile(content);
      if (previousMode !== null) await handle.chmod(previousMode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, real);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined); // best effort: the original error is what matters
  }
  const after = await stat(real);
  return {
    path,
    size: content.length,
    mode: after.mode & 0o7777,
    sha256: createHash("sha256").update(content).digest("hex"),
    created: previousMode === null,
    backup,
  };
}

/** Copies a file about to be replaced into the root's backup folder; returns the copy's path. */
export async function backUp(real: string, root: string, at: Date): Promise<string> {
  const stamp = at.toISOString().replace(/:/g, "-");
  const target = join(root, BACKUP_DIR, `${relative(root, real)}.${stamp}`);
  // The backup folder is inside the tree and could be a link someone made: it must stay in the
  // root, checked before mkdir (which would follow the link and create folders out there) and after.
  const refused = () => new RpcError("E-AUTH-FORBID", `${BACKUP_DIR} leads outside the project root ${root}`);
  if (!isInside(await whereItLeads(dirname(target)), root)) throw refused();
  await mkdir(dirname(target), { recursive: true });
  if (!isInside(await realpath(dirname(target)), root)) throw refused();
  // COPYFILE_EXCL: two writes in the same millisecond never overwrite each other's backup.
  let candidate = target;
  for (let n = 1; ; n++) {
    try {
      await copyFile(real, candidate, constants.COPYFILE_EXCL);
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || n > 20) throw e;
      candidate = `${target}.${n}`;
    }
  }
}
