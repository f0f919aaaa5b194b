import type { FileCallMethod } from "@anchorage/common";
import { forbidden } from "../app-error.ts";
import type { InstanceAccess } from "../instances/instance-access.ts";

/**
 * Writing under a `.git` folder is running code (security issue 19): `.git/config` names programs
 * git starts (core.fsmonitor on every status), `.git/hooks/*` are programs. So a write there needs
 * `command:cloud_instance` on the instance, whatever else the caller may do. Every write path
 * passes through one of the checks here: the file API (fileCall in file-routes.ts), syncs and
 * mirrors (their destination's exclusions, startSync and the mirror save).
 */

export const GIT_DIR_ACTION = "command:cloud_instance" as const;

/**
 * Code points file systems drop from names: HFS+ ignores these (so `.g\u200cit` is `.git` on a
 * Mac), as git's own is_hfs_dotgit knows.
 */
const IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * Whether one name is `.git` as some file system reads it: in any case, with Windows' trailing dots
 * and spaces dropped, HFS+'s ignored code points, or NTFS's short name (`GIT~1`).
 */
export function isGitDirName(name: string): boolean {
  const n = name.normalize("NFC").replace(IGNORED, "").toLowerCase().replace(/[. ]+$/, "");
  return n === ".git" || /^git~\d+$/.test(n);
}

/** Whether a path (absolute or relative, `/` or `\` separated) has a `.git` segment once `.` and empty segments are dropped. */
export function touchesGitDir(path: string): boolean {
  return path.split(/[\\/]+/).some((segment) => segment !== "" && segment !== "." && isGitDirName(segment));
}

/** The paths each writing file call writes or removes; calls that only read (or stage chunks in the agent's own folder) write none. */
const WRITTEN_PATHS: Partial<Record<FileCallMethod, (params: never) => string[]>> = {
  "files.write": (p: { path: string }) => [p.path],
  "files.assemble": (p: { path: string }) => [p.path],
  "files.assemble.many": (p: { files: { path: string }[] }) => p.files.map((f) => f.path),
  "files.remove": (p: { path: string }) => [p.path],
  // The file manager's (issue #21): a folder made, an entry moved out of or into a place, one deleted.
  "files.mkdir": (p: { path: string }) => [p.path],
  "files.rename": (p: { from: string; to: string }) => [p.from, p.to],
  "files.delete": (p: { path: string }) => [p.path],
  // Folders, links and metadata a sync applies (the file API cannot send it today; checked all the same).
  "files.apply.many": (p: { entries: { path: string }[] }) => p.entries.map((e) => e.path),
};

/** Refuses (403) a file call that writes under `.git` for someone without `command:` on the instance. */
export function refuseGitDirWrite(access: InstanceAccess, method: FileCallMethod, params: unknown): void {
  const paths = WRITTEN_PATHS[method]?.(params as never) ?? [];
  refuseGitDirPaths(access, paths);
}

/** Refuses (403) writing any of `paths` under `.git` for someone without `command:` on the instance. */
export function refuseGitDirPaths(access: InstanceAccess, paths: readonly string[]): void {
  if (access.permissions.includes(GIT_DIR_ACTION)) return;
  const path = paths.find(touchesGitDir);
  if (path !== undefined) throw forbidden(`writing under .git (${path}) is running code: it needs ${GIT_DIR_ACTION} on this instance`);
}

/**
 * Exclusion globs (the agents' picomatch, any depth: agent/src/files/exclusions.ts) that leave
 * every `.git` file and folder out of both scans of a sync, so none is compared, written or
 * removed. Case-insensitive by bracket classes, since the agents match case-sensitively.
 */
export const GIT_DIR_EXCLUDES = [".[gG][iI][tT]", ".[gG][iI][tT]/**"] as const;

/**
 * A sync's or mirror's exclusions for its destination: unchanged for someone who may run commands
 * there; otherwise with GIT_DIR_EXCLUDES added, and refused (403) when the target folder itself is
 * under `.git`.
 */
export function destinationExcludes(destination: InstanceAccess, targetPath: string, exclude: readonly string[]): string[] {
  if (destination.permissions.includes(GIT_DIR_ACTION)) return [...exclude];
  refuseGitDirPaths(destination, [targetPath]);
  return [...exclude, ...GIT_DIR_EXCLUDES.filter((g) => !exclude.includes(g))];
}

/** Whether these exclusions keep `.git` out (what destinationExcludes adds). */
export const excludesGitDir = (exclude: readonly string[]) => GIT_DIR_EXCLUDES.every((g) => exclude.includes(g));
