import { lstat, opendir } from "node:fs/promises";
import { join } from "node:path";
import { ALWAYS_EXCLUDED, MAX_SCAN_FILES, type ScanFile, type ScanResult } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { excluder } from "./exclusions.ts";
import { hashFile, type FileHashes } from "./hash-file.ts";
import type { ScanCache } from "./scan-cache.ts";

export type ScanOptions = {
  /** Globs to leave out (exclusions.ts); ALWAYS_EXCLUDED is added. */
  exclude: readonly string[];
  /** Rehash every file, trusting no cached hash. */
  verify: boolean;
  cache: ScanCache;
  /** Reads a file's content for its hashes; tests count the reads through it. */
  hash?: (path: string) => Promise<FileHashes>;
  signal?: AbortSignal;
};

const MAX_SKIPPED_LISTED = 1000;

/**
 * Scans the folder `dir` (a real path, already confined to the roots) in one call: every regular
 * file under it with its path relative to `dir`, size, mtime, mode, SHA-256 and normalized MD5.
 * Excluded folders are not entered. Symlinks are not followed (a link could lead out of the
 * roots, or in a circle) and are listed as skipped, as are sockets, devices and unreadable files.
 * A file whose (size, mtime, inode) the cache knows is not read, unless `verify` is set.
 */
export async function scanTree(dir: string, opts: ScanOptions): Promise<ScanResult> {
  const isExcluded = excluder([...ALWAYS_EXCLUDED, ...opts.exclude]);
  const hash = opts.hash ?? ((p: string) => hashFile(p));
  const files: ScanFile[] = [];
  const skipped: ScanResult["skipped"] = [];
  const seen = new Set<string>();
  let excluded = 0;
  let hashed = 0;
  const skip = (path: string, reason: string) => {
    if (skipped.length < MAX_SKIPPED_LISTED) skipped.push({ path, reason });
  };

  const root = await lstat(dir, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new RpcError("E-NOT-FOUND", `${dir}: no such folder`);
    throw e;
  });
  if (!root.isDirectory()) throw new RpcError("E-VALIDATION", `${dir} is not a folder`);

  const walk = async (abs: string, rel: string): Promise<void> => {
    let handle;
    try {
      handle = await opendir(abs);
    } catch (e) {
      if (rel === "") throw e;
      return skip(rel, (e as NodeJS.ErrnoException).code ?? "unreadable");
    }
    const names: string[] = [];
    for await (const d of handle) names.push(d.name);
    names.sort();
    for (const name of names) {
      if (opts.signal?.aborted) throw new RpcError("E-INTERNAL", "the scan was cancelled");
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const childAbs = join(abs, name);
      if (isExcluded(childRel)) {
        excluded++;
        continue;
      }
      let st;
      try {
        st = await lstat(childAbs, { bigint: true });
      } catch (e) {
        skip(childRel, (e as NodeJS.ErrnoException).code ?? "unreadable");
        continue;
      }
      if (st.isDirectory()) {
        await walk(childAbs, childRel);
        continue;
      }
      if (st.isSymbolicLink()) {
        skip(childRel, "symlink (not followed)");
        continue;
      }
      if (!st.isFile()) {
        skip(childRel, "not a regular file");
        continue;
      }
      if (files.length >= MAX_SCAN_FILES) {
        throw new RpcError("E-PAYLOAD-TOO-LARGE", `${dir} holds more than ${MAX_SCAN_FILES} files; scan a smaller folder or exclude more`);
      }
      const id = { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino };
      let hashes = opts.verify ? undefined : opts.cache.get(childAbs, id);
      if (!hashes) {
        const startedNs = BigInt(Date.now()) * 1_000_000n;
        try {
          hashes = await hash(childAbs);
        } catch (e) {
          skip(childRel, (e as NodeJS.ErrnoException).code ?? "unreadable");
          continue;
        }
        hashed++;
        opts.cache.set(childAbs, id, hashes, startedNs);
      }
      seen.add(childAbs);
      files.push({
        path: childRel,
        size: Number(st.size),
        mtime_ms: Number(st.mtimeNs / 1_000_000n),
        mode: Number(st.mode & 0o7777n),
        ...hashes,
      });
    }
  };

  await walk(dir, "");
  opts.cache.forgetUnseen(dir, seen);
  await opts.cache.save();
  return { root: dir, files, excluded, skipped, hashed };
}
