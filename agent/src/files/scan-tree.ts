import { lstat, readdir, readlink } from "node:fs/promises";
import { lstatSync, type BigIntStats } from "node:fs";
import { join } from "node:path";
import { ALWAYS_EXCLUDED, MAX_SCAN_FILES, type ScanDir, type ScanFile, type ScanLink, type ScanResult } from "@anchorage/common/protocol/files";
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
  /** Reads a file's content for its hashes (`size`: what lstat said, to size the read buffer); tests count the reads through it. */
  hash?: (path: string, size: number) => Promise<FileHashes>;
  signal?: AbortSignal;
};

const MAX_SKIPPED_LISTED = 1000;
/** Entries of a folder whose lstat calls are in flight together. */
const STAT_BATCH = 256;
/** A batch of in-place lstat calls slower than this means a slow file system: the rest go to the thread pool. */
const SLOW_BATCH_MS = 20;
/** Files hashed at once (libuv's thread pool has 4 threads by default). */
const READ_PARALLEL = 4;

/**
 * Scans the folder `dir` (a real path, already confined to the roots) in one call: every regular
 * file under it with its path relative to `dir`, size, mtime, mode, SHA-256 and normalized MD5;
 * every folder (empty ones too) with its mode and mtime; every symlink with its target as
 * written. Excluded folders are not entered. Symlinks are not followed (a link could lead out of
 * the roots, or in a circle). Sockets, devices and unreadable entries are listed as skipped.
 * A file whose (size, mtime, inode) the cache knows is not read, unless `verify` is set.
 */
export async function scanTree(dir: string, opts: ScanOptions): Promise<ScanResult> {
  const isExcluded = excluder([...ALWAYS_EXCLUDED, ...opts.exclude]);
  const hash = opts.hash ?? ((p: string, size: number) => hashFile(p, readBufferBytes(size)));
  const files: ScanFile[] = [];
  const links: ScanLink[] = [];
  const dirs: ScanDir[] = [];
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

  let statInPlace = true;
  // One file's entry: its hashes from the cache, or read (null when it cannot be read).
  const entryOf = async (abs: string, rel: string, st: BigIntStats): Promise<ScanFile | null> => {
    const id = { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino };
    let hashes = opts.verify ? undefined : opts.cache.get(abs, id);
    if (!hashes) {
      const startedNs = BigInt(Date.now()) * 1_000_000n;
      try {
        hashes = await hash(abs, Number(st.size));
      } catch (e) {
        skip(rel, (e as NodeJS.ErrnoException).code ?? "unreadable");
        return null;
      }
      hashed++;
      opts.cache.set(abs, id, hashes, startedNs);
    }
    seen.add(abs);
    return { path: rel, size: Number(st.size), mtime_ms: Number(st.mtimeNs / 1_000_000n), mode: Number(st.mode & 0o7777n), ...hashes };
  };

  const walk = async (abs: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(abs); // one call per folder (an opendir iterator cost a round trip per 32 entries)
    } catch (e) {
      if (rel === "") throw e;
      return skip(rel, (e as NodeJS.ErrnoException).code ?? "unreadable");
    }
    names.sort();
    const children: { abs: string; rel: string }[] = [];
    for (const name of names) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      if (isExcluded(childRel)) excluded++;
      else children.push({ abs: join(abs, name), rel: childRel });
    }
    // A folder's entries are looked at STAT_BATCH at a time (the reads of files the cache does not
    // know in flight together). One awaited lstat at a time, a re-scan of 10,000 cached files spent
    // most of its time on round trips through libuv's thread pool; a synchronous lstat of metadata
    // the kernel holds takes microseconds, so a batch is stat'ed in place and the event loop gets a
    // turn between batches (terminals and the proxy keep moving). A batch that took long (a network
    // file system) sends the rest of the scan's lstat calls to the thread pool, all in flight together.
    for (let i = 0; i < children.length; i += STAT_BATCH) {
      if (opts.signal?.aborted) throw new RpcError("E-INTERNAL", "the scan was cancelled");
      const batch = children.slice(i, i + STAT_BATCH);
      let stats: (BigIntStats | Error)[];
      if (statInPlace) {
        const started = performance.now();
        stats = batch.map((c) => lstatNow(c.abs));
        if (performance.now() - started > SLOW_BATCH_MS) statInPlace = false;
        await new Promise((r) => setImmediate(r));
      } else {
        stats = await Promise.all(batch.map((c) => lstat(c.abs, { bigint: true }).catch((e: NodeJS.ErrnoException) => e)));
      }
      const pending: (Promise<ScanFile | null> | null)[] = [];
      let reading = 0;
      let queued = 0;
      for (let j = 0; j < batch.length; j++) {
        const { abs: childAbs, rel: childRel } = batch[j]!;
        const st = stats[j]!;
        if (st instanceof Error) {
          skip(childRel, (st as NodeJS.ErrnoException).code ?? "unreadable");
          pending.push(null);
          continue;
        }
        if (st.isDirectory() || st.isSymbolicLink() || !st.isFile()) {
          pending.push(null);
          continue;
        }
        if (files.length + queued >= MAX_SCAN_FILES) {
          throw new RpcError("E-PAYLOAD-TOO-LARGE", `${dir} holds more than ${MAX_SCAN_FILES} files; scan a smaller folder or exclude more`);
        }
        // At most READ_PARALLEL files read at once (each holds a read buffer).
        if (reading >= READ_PARALLEL) {
          await Promise.all(pending);
          reading = 0;
        }
        const entry = entryOf(childAbs, childRel, st);
        pending.push(entry);
        reading++;
        queued++;
      }
      // In name order, so a folder's files and sub-folders keep the order of a sequential walk.
      for (let j = 0; j < batch.length; j++) {
        const st = stats[j]!;
        if (st instanceof Error) continue;
        const { abs: childAbs, rel: childRel } = batch[j]!;
        if (st.isDirectory()) {
          dirs.push({ path: childRel, mode: Number(st.mode & 0o7777n), mtime_ms: Number(st.mtimeNs / 1_000_000n) });
          await walk(childAbs, childRel);
          continue;
        }
        if (st.isSymbolicLink()) {
          const target = await readlink(childAbs).catch((e: NodeJS.ErrnoException) => e);
          if (target instanceof Error) skip(childRel, target.code ?? "unreadable symlink");
          else links.push({ path: childRel, target, mtime_ms: Number(st.mtimeNs / 1_000_000n) });
        } else if (!st.isFile()) skip(childRel, "not a regular file, a folder or a symlink (a socket, a device or a pipe)");
        else {
          const entry = await pending[j];
          if (entry) files.push(entry);
        }
      }
    }
  };

  await walk(dir, "");
  opts.cache.forgetUnseen(dir, seen);
  await opts.cache.save();
  return { root: dir, files, links, dirs, excluded, skipped, hashed };
}

/** A read buffer as large as the file (one read, then the read that finds its end), 4 KiB to 256 KiB. */
function readBufferBytes(size: number): number {
  return Math.min(256 * 1024, Math.max(4096, size + 1));
}

function lstatNow(path: string): BigIntStats | Error {
  try {
    return lstatSync(path, { bigint: true });
  } catch (e) {
    return e as Error;
  }
}
