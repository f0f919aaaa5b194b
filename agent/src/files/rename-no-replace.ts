import type { Stats } from "node:fs";
import { link, lstat, lutimes, mkdir, readlink, rename, rmdir, symlink, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";

/** Where hard links are refused (Linux's protected_hardlinks, file systems without them): fall back to a check and a rename. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

const taken = (to: string) => Object.assign(new Error(`EEXIST: ${to} already exists`), { code: "EEXIST" });

/** Whether the entry at `path` is the one `st` describes (same inode on the same device). */
async function isEntry(path: string, st: Stats): Promise<boolean> {
  const there = await lstat(path).catch(() => null);
  return there !== null && there.ino === st.ino && there.dev === st.dev;
}

/** The second half of a move by link: the old name goes; if it cannot, the new one goes too (nothing half done). */
async function forgetOldName(from: string, to: string): Promise<void> {
  try {
    await unlink(from);
  } catch (e) {
    await unlink(to).catch(() => undefined);
    throw e;
  }
}

/**
 * Moves `from` to `to` in one step that never replaces what is at `to`. POSIX rename(2) silently
 * does, and Node has no renameat2(RENAME_NOREPLACE), so each kind of entry goes through an
 * operation that fails with EEXIST, atomically, when the place is taken:
 * - a folder is renamed onto an empty folder made for it at `to` (mkdir fails if anything is there;
 *   rename replaces only an empty folder, so one someone filled meanwhile fails with ENOTEMPTY);
 * - a file or a symlink gets a hard link at `to`, then loses its old name: the same inode, so
 *   content (or target), mode, owner and times are kept; where hard links are refused a symlink is
 *   made again at `to` with the same target (symlink fails with EEXIST), and a file falls back to
 *   a check and a rename;
 * Throws EEXIST when `to` is taken and EXDEV when a file or folder would cross file systems
 * (nothing is copied). `st` is lstat(from).
 */
export async function renameNoReplace(from: string, to: string, st: Stats): Promise<void> {
  // A change of case only, on a file system that ignores case: `to` is `from` itself.
  const there = await lstat(to).catch(() => null);
  if (there) {
    const [a, b] = [basename(from), basename(to)];
    const sameEntry = there.ino === st.ino && there.dev === st.dev && dirname(from) === dirname(to) && a !== b && a.toLowerCase() === b.toLowerCase();
    if (!sameEntry) throw taken(to);
    return rename(from, to);
  }
  if (st.isDirectory()) {
    await mkdir(to, 0o700);
    try {
      await rename(from, to);
    } catch (e) {
      await rmdir(to).catch(() => undefined); // left when someone filled it: theirs, not ours to remove
      throw e;
    }
    return;
  }
  if (st.isFile() || st.isSymbolicLink()) {
    const linked = await link(from, to).then(
      () => true,
      // A symlink falls back to being made again on any refusal but a taken place (a link(2) that
      // follows links fails on a dangling one, or on one to a folder).
      (e: NodeJS.ErrnoException) => (NO_HARD_LINKS.has(e.code ?? "") || (st.isSymbolicLink() && e.code !== "EEXIST") ? false : Promise.reject(e)),
    );
    // Linux links a symlink itself; a system whose link(2) follows it made a link to the target instead.
    if (linked && !(await isEntry(to, st))) await unlink(to);
    else if (linked) return forgetOldName(from, to);
    if (st.isSymbolicLink()) {
      await symlink(await readlink(from), to);
      await lutimes(to, st.atimeMs / 1000, st.mtimeMs / 1000).catch(() => undefined); // best effort: the target is what matters
      return forgetOldName(from, to);
    }
  }
  // Sockets and fifos, and files where hard links are refused: checked, then renamed (a window of
  // microseconds in which something made at `to` would be replaced).
  if (await lstat(to).then(() => true, () => false)) throw taken(to);
  await rename(from, to);
}
