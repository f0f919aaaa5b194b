import { lstat, opendir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { MAX_BROWSE_ENTRIES, type DirEntry } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots } from "../root-paths.ts";

/** The project roots, as the server may name them, and whether each is there now. */
export async function listFolders(config: AgentConfig) {
  const roots = await Promise.all(config.roots.map(async (path) => ({ path, exists: await stat(path).then((s) => s.isDirectory(), () => false) })));
  return { roots };
}

/**
 * One folder's entries (name, type, size, mtime, mode), folders first, then by name. A symlink is
 * listed as one (lstat), not followed: browsing into it is confined like any other path.
 */
export async function browseDir(path: string, config: AgentConfig): Promise<{ path: string; entries: DirEntry[]; truncated: boolean }> {
  const { real, exists } = await confineToRoots(path, config);
  if (!exists) throw new RpcError("E-NOT-FOUND", `${path}: no such folder`);
  const st = await stat(real);
  if (!st.isDirectory()) throw new RpcError("E-VALIDATION", `${path} is not a folder`);
  const entries: DirEntry[] = [];
  let truncated = false;
  for await (const d of await opendir(real)) {
    if (entries.length >= MAX_BROWSE_ENTRIES) {
      truncated = true;
      break;
    }
    const s = await lstat(join(real, d.name)).catch(() => null);
    if (!s) continue; // gone since it was listed
    const type = s.isDirectory() ? "directory" : s.isFile() ? "file" : s.isSymbolicLink() ? "symlink" : "other";
    entries.push({ name: d.name, type, size: s.size, mtime: s.mtime.toISOString(), mode: s.mode & 0o7777 });
  }
  entries.sort((a, b) => Number(b.type === "directory") - Number(a.type === "directory") || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path, entries, truncated };
}
