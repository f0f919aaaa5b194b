import { basename, dirname, join, resolve } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { BACKUP_DIR } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots, isInside, realRoots } from "../root-paths.ts";

export type EntryPlace = {
  /** The entry's own place: its folder's real path and its name (the entry itself is not resolved). */
  real: string;
  /** The real path of the root its folder lies in. */
  root: string;
  /** Whether its folder exists. */
  folderExists: boolean;
};

/**
 * Where the entry `path` itself lies, its folder resolved but not the entry: a symlink is judged,
 * moved or deleted as a link, never by where it points. Its folder must lead inside a root.
 */
export async function entryPlace(path: string, config: AgentConfig): Promise<EntryPlace> {
  const name = basename(path);
  if (name === "" || name === "." || path === "/") throw new RpcError("E-VALIDATION", `${path} names no entry`);
  const folder = await confineToRoots(dirname(path), config);
  return { real: join(folder.real, name), root: folder.root, folderExists: folder.exists };
}

/**
 * The place of an entry that is about to be moved or deleted. Refused: a project root (named as
 * configured or by its real path) and a folder holding one, since roots are where confinement
 * starts; and the backup folder itself, which keeps what writes and deletes replaced.
 */
export async function movablePlace(path: string, config: AgentConfig, verb: string): Promise<EntryPlace> {
  const roots = await realRoots(config.roots);
  const named = resolve(path);
  const isRoot = () => new RpcError("E-VALIDATION", `${path} is a project root, or holds one: a root is not ${verb}`);
  if (config.roots.some((r) => resolve(r) === named) || roots.includes(named)) throw isRoot();
  const place = await entryPlace(path, config);
  if (roots.some((r) => isInside(r, place.real))) throw isRoot();
  if (roots.some((r) => place.real === join(r, BACKUP_DIR))) throw new RpcError("E-AUTH-FORBID", `${path} is the backup folder, which keeps what writes and deletes replaced: it is not ${verb}`);
  return place;
}

/** Whether a real path is inside one of the roots' backup folders (`<root>/.anchorage-backups/…`). */
export async function inBackupFolder(real: string, config: AgentConfig): Promise<boolean> {
  return (await realRoots(config.roots)).some((r) => isInside(real, join(r, BACKUP_DIR)));
}
