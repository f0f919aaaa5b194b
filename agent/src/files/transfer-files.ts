import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { CHUNK_MAX_BYTES, cutPoint } from "@anchorage/common/sync/fastcdc";
import type { FileChunks } from "@anchorage/common/protocol/files";
import { mapLimited } from "@anchorage/common/map-limited";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots, isInside } from "../root-paths.ts";
import { syncDirectory } from "../home.ts";
import { backUp } from "./write-file.ts";
import { moveIntoBackup } from "./delete-entry.ts";
import { utimeSeconds } from "./apply-entries.ts";
import { ContentHasher, type FileHashes } from "./hash-file.ts";
import type { ScanCache } from "./scan-cache.ts";

/**
 * The agent's half of a sync's transfer (DESIGN.md, Sync). The source lists a file's
 * content-defined chunks and hands them out one by one; the destination keeps the chunks it is
 * sent in a staging folder of its own (per operation, outside the roots) and then assembles the
 * file from them atomically. Bytes travel on call streams, never base64.
 */

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const READ_BLOCK = 1024 * 1024;

/** Opens a regular file under the roots for reading, refusing a link swapped in since it was resolved. */
async function openRegular(path: string, config: AgentConfig) {
  const { real, exists } = await confineToRoots(path, config);
  if (!exists) throw new RpcError("E-NOT-FOUND", `${path}: no such file`);
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ELOOP") throw new RpcError("E-CONFLICT", `${path} changed while it was being read`);
    throw e;
  });
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw new RpcError("E-VALIDATION", `${path} is not a regular file`);
  }
  return { handle, st };
}

/**
 * Every chunk of a file (FastCDC), read once as a stream, with the whole file's SHA-256.
 * `onChunk` sees each chunk's bytes as it is cut (they are only valid until it resolves).
 */
export async function chunkFile(path: string, config: AgentConfig, signal?: AbortSignal, onChunk?: (sha256: string, bytes: Uint8Array) => Promise<void>): Promise<FileChunks> {
  const { handle, st } = await openRegular(path, config);
  try {
    const whole = createHash("sha256");
    const chunks: FileChunks["chunks"] = [];
    // A window of at least CHUNK_MAX_BYTES ahead of the cut, or the end of the file: cutPoint's contract.
    let buf = new Uint8Array(0);
    let offset = 0;
    let eof = false;
    // A small file needs no 1 MiB block: allocating (and zeroing) one per file was most of the cost of many small files.
    const blockSize = Math.min(READ_BLOCK, st.size + 1);
    while (!eof || buf.length > 0) {
      if (signal?.aborted) throw new RpcError("E-TIMEOUT", "cancelled");
      if (!eof && buf.length < CHUNK_MAX_BYTES) {
        const block = new Uint8Array(blockSize);
        const { bytesRead } = await handle.read(block, 0, blockSize, null);
        if (bytesRead === 0) eof = true;
        else {
          const next = new Uint8Array(buf.length + bytesRead);
          next.set(buf);
          next.set(block.subarray(0, bytesRead), buf.length);
          buf = next;
        }
        continue;
      }
      const len = cutPoint(buf);
      const piece = buf.subarray(0, len);
      whole.update(piece);
      const digest = sha(piece);
      chunks.push({ offset, length: len, sha256: digest });
      await onChunk?.(digest, piece);
      offset += len;
      buf = buf.subarray(len);
    }
    return { size: offset, mode: st.mode & 0o7777, mtime_ms: st.mtimeMs, sha256: whole.digest("hex"), chunks };
  } finally {
    await handle.close();
  }
}

/** One chunk's bytes, refused if the file changed under them since it was chunked. */
export async function readChunk(path: string, config: AgentConfig, at: { offset: number; length: number; sha256: string }): Promise<Uint8Array> {
  const { handle } = await openRegular(path, config);
  try {
    const buf = new Uint8Array(at.length);
    let n = 0;
    while (n < at.length) {
      const { bytesRead } = await handle.read(buf, n, at.length - n, at.offset + n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n !== at.length || sha(buf) !== at.sha256) throw new RpcError("E-CONFLICT", `${path} changed while it was being synced`);
    return buf;
  } finally {
    await handle.close();
  }
}

// ── the destination's staging folder ───────────────────────────────────────

/** Chunks staged for one operation; the operation id is checked by the call's schema (no `/`). */
export const stageDir = (stagingRoot: string, operation: string) => join(stagingRoot, operation);

export async function stagedChunks(stagingRoot: string, operation: string, wanted: readonly string[]): Promise<string[]> {
  const dir = stageDir(stagingRoot, operation);
  const have: string[] = [];
  for (const c of new Set(wanted)) {
    if (await lstat(join(dir, c)).then((s) => s.isFile(), () => false)) have.push(c);
  }
  return have;
}

/**
 * Which wanted chunks are staged, after staging those the destination's own files already
 * contain (the copies a sync is about to replace), cut with the same chunker as the source's:
 * only the chunks around a change then travel. A seed that is missing, not a regular file or
 * unreadable adds nothing.
 */
export async function seedStage(stagingRoot: string, operation: string, seeds: readonly string[], wanted: readonly string[], config: AgentConfig, signal?: AbortSignal): Promise<string[]> {
  const have = await stagedChunks(stagingRoot, operation, wanted);
  const missing = new Set(wanted);
  for (const c of have) missing.delete(c);
  for (const path of seeds) {
    if (missing.size === 0) break;
    await chunkFile(path, config, signal, async (digest, bytes) => {
      if (!missing.delete(digest)) return;
      await stageChunk(stagingRoot, operation, digest, bytes);
      have.push(digest);
    }).catch((e: unknown) => {
      if (signal?.aborted) throw e;
    });
  }
  return have;
}

/** Keeps one chunk if its bytes hash to what the DO said (checked on arrival). */
export async function stageChunk(stagingRoot: string, operation: string, sha256: string, bytes: Uint8Array): Promise<void> {
  if (sha(bytes) !== sha256) throw new RpcError("E-VALIDATION", `chunk ${sha256} arrived with other content`);
  const dir = stageDir(stagingRoot, operation);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `${sha256}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temp, bytes, { mode: 0o600 });
  await rename(temp, join(dir, sha256));
}

export async function clearStage(stagingRoot: string, operation: string): Promise<void> {
  await rm(stageDir(stagingRoot, operation), { recursive: true, force: true });
}

export type AssembleParams = { operation: string; path: string; size: number; sha256: string; mode: number; mtime_ms: number; chunks: string[] };

/**
 * Writes a file from staged chunks: into a temp file in the target's folder, the whole SHA-256
 * checked before anything is replaced, the replaced file copied to the backup folder, then a
 * rename, so the good file is never swapped for a half-written or wrong one. Mode and mtime are
 * the source's. With a `cache`, the new file's hashes are remembered as a scan would (the next
 * compare of the destination reads nothing it has just written).
 */
export async function assembleFile(stagingRoot: string, p: AssembleParams, config: AgentConfig, opts: { deferDirSync?: (dir: string) => void; cache?: ScanCache } = {}): Promise<{ path: string; created: boolean; backup: string | null }> {
  const { real, root, exists } = await confineToRoots(p.path, config);
  if (real === root) throw new RpcError("E-VALIDATION", `${p.path} is a project root, not a file`);
  if (exists && !(await lstat(real)).isFile()) throw new RpcError("E-VALIDATION", `${p.path} is not a regular file`);
  const dir = dirname(real);
  await mkdir(dir, { recursive: true });
  if (!isInside(await realpath(dir), root)) throw new RpcError("E-AUTH-FORBID", `${p.path} leads outside the project roots`);

  const stage = stageDir(stagingRoot, p.operation);
  const temp = join(dir, `.${basename(real)}.anchorage-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  let backup: string | null = null;
  let hashes: FileHashes | undefined;
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    const whole = new ContentHasher();
    let size = 0;
    try {
      for (const c of p.chunks) {
        const bytes = await readFile(join(stage, c)).catch(() => {
          throw new RpcError("E-CONFLICT", `chunk ${c} of ${p.path} is not staged`);
        });
        whole.update(bytes);
        size += bytes.length;
        await handle.write(bytes);
      }
      hashes = whole.digest();
      if (size !== p.size || hashes.sha256 !== p.sha256) throw new RpcError("E-CONFLICT", `${p.path}: the assembled content does not hash to ${p.sha256}; nothing replaced`);
      await handle.chmod(p.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Seconds as a number keep the sub-millisecond part a Date would drop.
    await utimes(temp, utimeSeconds(p.mtime_ms), utimeSeconds(p.mtime_ms));
    if (exists) backup = await backUp(real, root, new Date());
    await rename(temp, real);
    renamed = true;
    if (opts.cache && hashes) {
      // Stat after the rename: a write since then moved the mtime to now, which the cache refuses to trust.
      const st = await lstat(real, { bigint: true });
      opts.cache.set(real, { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino }, hashes, BigInt(Date.now()) * 1_000_000n);
    }
    if (opts.deferDirSync) opts.deferDirSync(dir);
    else await syncDirectory(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined); // best effort: the original error is what matters
  }
  return { path: p.path, created: !exists, backup };
}

// ── batches: many small files per call (the same checks, file by file) ──────

/** Files read (or written) at once by a batch call: small files cost a few system calls each, mostly waiting. */
const BATCH_CONCURRENCY = 8;

/** Several files' chunk lists, in order; any file that cannot be chunked fails the call. */
export async function chunkFiles(paths: readonly string[], config: AgentConfig, signal?: AbortSignal): Promise<FileChunks[]> {
  return mapLimited(paths, BATCH_CONCURRENCY, (path) => chunkFile(path, config, signal));
}

/** Several chunks' bytes one after another, each refused if its file changed since it was chunked. */
export async function readChunks(reads: readonly { path: string; offset: number; length: number; sha256: string }[], config: AgentConfig): Promise<Uint8Array> {
  const pieces = await mapLimited(reads, BATCH_CONCURRENCY, (r) => readChunk(r.path, config, r));
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  pieces.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** Keeps several chunks sent one after another, each only if its bytes hash to what the DO said. */
export async function stageChunks(stagingRoot: string, operation: string, chunks: readonly { sha256: string; length: number }[], body: Uint8Array): Promise<void> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (total !== body.length) throw new RpcError("E-VALIDATION", `expected ${total} bytes of chunks, received ${body.length}`);
  let at = 0;
  const pieces = chunks.map((c) => ({ sha256: c.sha256, bytes: body.subarray(at, (at += c.length)) }));
  await mapLimited(pieces, BATCH_CONCURRENCY, (p) => stageChunk(stagingRoot, operation, p.sha256, p.bytes));
}

/**
 * Assembles several files, each exactly as assembleFile does (temp file, whole hash, backup,
 * rename), a few at a time while others wait on their disk flush. Answers once every write has
 * ended: with the results in order, or with the first failure (the files written before it stay
 * written, each whole).
 */
export async function assembleFiles(stagingRoot: string, operation: string, files: readonly Omit<AssembleParams, "operation">[], config: AgentConfig, cache?: ScanCache): Promise<{ path: string; created: boolean; backup: string | null }[]> {
  // Each folder's renames are made durable once, before answering, rather than once per file.
  const dirs = new Set<string>();
  const results = await mapLimited(files, BATCH_CONCURRENCY, (f) => assembleFile(stagingRoot, { operation, ...f }, config, { deferDirSync: (d) => dirs.add(d), cache }));
  await mapLimited([...dirs], BATCH_CONCURRENCY, async (dir) => {
    await syncDirectory(dir);
    await removeStaleTemps(dir);
  });
  return results;
}

/** A writer's temp file, `.<name>.anchorage-<pid>-<random>.tmp` (assembleFile and write-file.ts). */
const TEMP_NAME = /^\..+\.anchorage-(\d+)-[0-9a-f]+\.tmp$/;
/** Only temp files this old are taken for abandoned, whatever their process. */
export const STALE_TEMP_MS = 3600_000;

/**
 * Removes the temp files a killed writer left in a folder (an agent killed mid-write leaves one
 * beside the file, never in its place): those whose process is gone and that are over an hour old.
 */
export async function removeStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(TEMP_NAME.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    const st = await lstat(join(dir, name)).catch(() => null);
    if (!st?.isFile() || now - st.mtimeMs < STALE_TEMP_MS) continue;
    await unlink(join(dir, name)).then(() => removed.push(name), () => undefined);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}


/** A sync's deletion: the file moves into `<root>/.anchorage-backups/` (kept, not destroyed). */
export async function removeIntoBackup(path: string, config: AgentConfig, now = new Date()): Promise<{ path: string; backup: string }> {
  const { real, root, exists } = await confineToRoots(path, config);
  if (!exists) throw new RpcError("E-NOT-FOUND", `${path}: no such file`);
  const st = await lstat(real);
  if (!st.isFile()) throw new RpcError("E-VALIDATION", `${path} is not a regular file`);
  return { path, backup: await moveIntoBackup(real, root, st, now) };
}
