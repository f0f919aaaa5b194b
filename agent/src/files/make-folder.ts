import { mkdir, realpath, rmdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots, isInside } from "../root-paths.ts";
import { syncDirectory } from "../home.ts";
import { entryPlace } from "./entry-place.ts";

/**
 * Creates one folder under the roots (protocol/files.ts `files.mkdir`). Anything already at
 * `path` (a folder, a file, a link, a root) is E-CONFLICT; a missing parent is E-NOT-FOUND unless
 * `parents`, which makes every missing folder on the way like mkdir -p. A folder reached through a
 * link that leads out of the roots is refused (403), like any path.
 */
export async function makeFolder(path: string, config: AgentConfig, opts: { parents?: boolean } = {}): Promise<{ path: string }> {
  const conflict = () => new RpcError("E-CONFLICT", `${path} already exists`);
  const at = await confineToRoots(path, config);
  if (at.exists) throw conflict();
  const place = await entryPlace(path, config);
  let made: string;
  if (opts.parents) {
    // Where it leads (a dangling link on the way is followed to its target's place, still confined).
    made = at.real;
    await mkdir(made, { recursive: true }).catch((e: NodeJS.ErrnoException) => Promise.reject(e.code === "EEXIST" ? conflict() : e));
  } else {
    if (!place.folderExists) throw new RpcError("E-NOT-FOUND", `${dirname(path)}: no such folder (pass parents: true to create it too)`);
    // The entry's own place: mkdir(2) fails with EEXIST on anything there, a dangling link included.
    made = place.real;
    await mkdir(made).catch((e: NodeJS.ErrnoException) => Promise.reject(e.code === "EEXIST" ? conflict() : e));
  }
  // mkdir followed whatever it met on the way: what it made must still be inside the root.
  if (!isInside(await realpath(made), at.root)) {
    await rmdir(made).catch(() => undefined);
    throw new RpcError("E-AUTH-FORBID", `${path} leads outside the project roots`);
  }
  await syncDirectory(dirname(made));
  return { path };
}
