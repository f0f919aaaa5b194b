import { lstat, readdir, rm, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BACKUP_DIR } from "@anchorage/common/protocol/files";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { Logger } from "../agent-log.ts";
import { realRoots } from "../root-paths.ts";

/**
 * Backups expire (issue #7): the copies of overwritten or deleted files a write or a sync keeps in
 * `<root>/.anchorage-backups/`, and the folders and links a delete moved there (issue #21), are
 * deleted once older than `sync.backup_days` (default 30; 0 keeps them for ever). Their age is the time in their name, when the backup was made: a deleted file
 * moved there keeps its own mtime, so the mtime would say nothing.
 */

/** `<path>.<stamp>` or `<path>.<stamp>.<n>` (write-file.ts backUp, delete-entry.ts moveIntoBackup): the ISO time with `:` written as `-`. */
const STAMP = /\.(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}(?:\.\d{1,3})?)Z(?:\.\d+)?$/;

/** When a backup was made, from its name; null for a name that is not a backup's. */
export function backupTime(name: string): number | null {
  const m = STAMP.exec(name);
  if (!m) return null;
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(t) ? null : t;
}

/** Deletes backups older than `days` from each root's backup folder, and the folders they leave empty. Never follows a link. */
export async function expireBackups(roots: readonly string[], days: number, now = Date.now()): Promise<number> {
  if (days <= 0) return 0;
  const before = now - days * 86_400_000;
  let removed = 0;
  /** Answers whether the folder is empty now. */
  const sweep = async (dir: string): Promise<boolean> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
    if (!entries) return false;
    let left = entries.length;
    for (const e of entries) {
      const path = join(dir, e.name);
      const made = backupTime(e.name) ?? Infinity;
      // Dirents are lstat's: a link is a link here (a deleted symlink's backup), never followed.
      if (e.isDirectory()) {
        // A deleted folder's backup (`<folder>.<stamp>/`) goes whole; rm never follows a link in it.
        if (made < before && !(await holdsBackupSince(path, before))) await rm(path, { recursive: true, force: true }).then(() => (left--, removed++), () => undefined);
        else if (await sweep(path)) await rmdir(path).then(() => left--, () => undefined);
      } else if ((e.isFile() || e.isSymbolicLink()) && made < before) {
        await unlink(path).then(() => (left--, removed++), () => undefined);
      }
    }
    return left === 0;
  };
  for (const root of await realRoots(roots)) {
    const dir = join(root, BACKUP_DIR);
    // Missing, or a link someone made: never swept (it could lead out of the root).
    if (!(await lstat(dir).catch(() => null))?.isDirectory()) continue;
    await sweep(dir);
  }
  return removed;
}

/**
 * Whether a folder holds an entry whose name says it was backed up at `since` or later: a user's
 * folder that happens to be named like a backup (`build.2024-01-01T00-00-00.000Z`) and holds recent
 * backups of its files is swept entry by entry instead of removed whole.
 */
async function holdsBackupSince(dir: string, since: number): Promise<boolean> {
  for (const e of (await readdir(dir, { withFileTypes: true }).catch(() => null)) ?? []) {
    if ((backupTime(e.name) ?? -Infinity) >= since) return true;
    if (e.isDirectory() && (await holdsBackupSince(join(dir, e.name), since))) return true;
  }
  return false;
}

/** `sync.backup_days` when unset. */
export const DEFAULT_BACKUP_DAYS = 30;

/** Expires backups now and every `everyMs` while the agent runs. */
export function startBackupExpiry(config: AgentConfig, log: Logger, everyMs = 6 * 3600_000): { stop: () => void } {
  const days = config.sync.backup_days ?? DEFAULT_BACKUP_DAYS;
  const run = () =>
    void expireBackups(config.roots, days).then(
      (n) => n > 0 && log.info(`removed ${n} backups older than ${days} days`),
      (e: Error) => log.warn(`expiring backups failed: ${e.message}`),
    );
  if (days <= 0) return { stop: () => undefined };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
