import { z } from "zod";
import {
  batchFiles, CHUNK_MAX_BYTES, chunksToUpload, fileCallResults, fileChunksSchema, groupByBytes, MAX_BATCH_FILES,
  type ErrorCode, type FileCallMethod, type RelativeApply,
} from "@anchorage/common";
import type { DoResult } from "../../core/rpc/do-result.ts";
import type { ChunkRef, SyncOperation } from "../../core/rpc/sync-operation.ts";
import { chunkKey } from "../../core/sync-chunks/chunk-key.ts";
import { mapLimited } from "@anchorage/common/map-limited";

/**
 * A sync's transfer (DESIGN.md, Sync), run by the source's InstanceDO after the compare and the
 * plan. Files go in batches (many small files share one, a large file is one of its own): the
 * source lists the batch's content-defined chunks, uploads to R2 only those R2 does not hold for
 * this owner (each verified before it is stored), the destination pulls the chunks it lacks from
 * R2 and assembles the files atomically; then, if asked, deletions (into the backup folder).
 *
 * After every batch the operation's state is saved and what it did is taken off the stored plan,
 * so a run cut short (an agent away, the object restarted) continues from the rest: chunks already
 * in R2 are not read from the source again, chunks the destination staged are not sent again.
 */

/**
 * Relative paths, in the order they are done (the object stores what is left of it: sync-store.ts):
 * `before` (folders created), `transfer` (files' content), `after` (symlinks, metadata-only
 * changes), `remove`, `last` (folders' mode and mtime, children first). A plan stored before
 * the three apply phases existed has none.
 */
export type SyncPlanPaths = { transfer: { path: string; size: number }[]; remove: string[]; before?: RelativeApply[]; after?: RelativeApply[]; last?: RelativeApply[] };
export type ApplyPhase = "before" | "after" | "last";
export type PlanKind = "transfer" | "remove" | ApplyPhase;

type FileCall = (method: FileCallMethod, params: unknown, body?: Uint8Array) => Promise<DoResult<{ result: unknown; body: Uint8Array }>>;

export type SyncDeps = {
  source: FileCall;
  destination: FileCall;
  /**
   * The destination's object brings these chunks from R2 to its agent (after the agent staged
   * those its copies at `seed` already contain); answers the bytes it moved.
   */
  pullChunks: (operation: string, ownerId: string, chunks: ChunkRef[], seed?: string[]) => Promise<DoResult<{ downloaded: number }>>;
  bucket: R2Bucket;
  /** Waits before each try while an agent is away; the last one repeats (DESIGN.md, flapping connections). */
  retryDelaysMs?: readonly number[];
  /** How long an agent may stay away before the operation fails. */
  awayLimitMs?: number;
  /** The operation as stored now (a cancel changes it from outside). */
  load: () => SyncOperation | undefined;
  save: (op: SyncOperation) => void;
  /** After every batch (the files it finished, in order) and when the operation ends or pauses. */
  progress: (op: SyncOperation, paths?: string[]) => void;
  /** Takes what is done off the stored plan, so a resume continues from the rest. */
  planDone?: (kind: PlanKind, paths: string[]) => void;
  /** Records that the operation uses these chunks now (garbage collection spares them). */
  touchChunks?: (ownerId: string, chunks: ChunkRef[]) => Promise<void>;
  /** Which agent is away now, if any (`source …: …` or `destination …: …`): a waiting operation asks before calling them. */
  away?: () => Promise<string | null>;
};

/** An operation lists at most this many skipped entries. */
const MAX_SKIPPED_LISTED = 1000;

const under = (folder: string, rel: string) => `${folder.replace(/\/+$/, "")}/${rel}`;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

class Stop extends Error {
  constructor(readonly code: ErrorCode | "cancelled", message: string) {
    super(message);
  }
}
const must = <T>(r: DoResult<T>, side: string): T => {
  if (!r.ok) throw new Stop(r.code, `${side}: ${r.message}`);
  return r.value;
};

/** Agents reconnect within seconds (backoff with jitter); after a minute, a try a minute. */
export const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000] as const;
/** An agent away longer than this ends the operation `failed`. */
export const AWAY_LIMIT_MS = 24 * 3600_000;
/** An agent that dropped (or a call that ran out of time) is worth waiting for; a refusal is not. */
const AWAY: ReadonlySet<string> = new Set(["E-INSTANCE-OFFLINE", "E-TIMEOUT"]);
/** R2 requests and agent calls of one batch in flight at once: each call carries at most CHUNK_MAX_BYTES. */
const R2_CONCURRENCY = 16;
const CALL_CONCURRENCY = 4;
/**
 * Files at least this large are offered to the destination as seeds (its older copy is cut into
 * chunks and what is unchanged is not downloaded): a smaller file is one or two chunks, which a
 * change would alter anyway.
 */
export const SEED_MIN_BYTES = 2 * CHUNK_MAX_BYTES;
/** Within a batch (a large file), the operation's bytes are saved and sent as progress this often. */
const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024;

/**
 * Runs the operation (the part of its plan still to do) until it ends (done, failed or cancelled)
 * or pauses: an agent away leaves it `running` with `waiting` set, for the caller to run again at
 * `waiting.retry_at` or when the agent is back. Never throws.
 */
export async function runSyncTransfer(op: SyncOperation, plan: SyncPlanPaths, deps: SyncDeps): Promise<SyncOperation> {
  const checkCancelled = () => {
    if (deps.load()?.state === "cancelled") throw new Stop("cancelled", "cancelled");
  };
  const finished = (kind: PlanKind, paths: string[]) => {
    if (kind === "transfer" || kind === "remove") op.files.done += paths.length;
    else op.entries = { total: op.entries?.total ?? 0, done: (op.entries?.done ?? 0) + paths.length };
    delete op.waiting;
    deps.planDone?.(kind, paths);
    deps.save(op);
    deps.progress(op, paths);
  };
  try {
    // Still away: counted as a try without asking the other agent for anything (a large file is not chunked again each minute).
    const away = op.waiting && deps.away ? await deps.away() : null;
    if (away) throw new Stop("E-INSTANCE-OFFLINE", away);
    const apply = async (phase: ApplyPhase, entries: readonly RelativeApply[] = []) => {
      for (let i = 0; i < entries.length; i += MAX_BATCH_FILES) {
        checkCancelled();
        const group = entries.slice(i, i + MAX_BATCH_FILES);
        await applyGroup(op, group, deps);
        finished(phase, group.map((e) => e.path));
      }
    };
    await apply("before", plan.before);
    for (const batch of batchFiles(plan.transfer)) {
      checkCancelled();
      await transferBatch(op, batch, deps, checkCancelled);
      op.bytes.written = (op.bytes.written ?? 0) + batch.reduce((n, f) => n + f.size, 0);
      finished("transfer", batch.map((f) => f.path));
    }
    await apply("after", plan.after);
    for (const rel of plan.remove) {
      checkCancelled();
      must(await deps.destination("files.remove", { path: under(op.targetPath, rel) }), `destination ${op.destinationInstanceId}`);
      finished("remove", [rel]);
    }
    await apply("last", plan.last);
    op.state = "done";
  } catch (e) {
    if (e instanceof Stop && e.code === "cancelled") op.state = "cancelled";
    else if (e instanceof Stop && AWAY.has(e.code)) {
      const waited = awaitAgents(op, e.message, deps);
      if (waited === "paused") {
        deps.save(op);
        deps.progress(op);
        return op;
      }
      op.state = "failed";
      op.error = waited.error;
    } else {
      op.state = "failed";
      op.error = (e as Error).message;
    }
  }
  delete op.waiting;
  op.finished_at = new Date().toISOString();
  // The staged chunks served their purpose; a failure to clear them is not the sync's.
  await deps.destination("files.stage.clear", { operation: op.id }).catch(() => undefined);
  deps.save(op);
  deps.progress(op);
  return op;
}

/** Marks the operation as waiting for its agents, unless they have been away too long: then the error to fail with. */
function awaitAgents(op: SyncOperation, reason: string, deps: SyncDeps, now = Date.now()): "paused" | { error: string } {
  const since = op.waiting ? Date.parse(op.waiting.since) : now;
  const limit = deps.awayLimitMs ?? AWAY_LIMIT_MS;
  if (now - since >= limit) return { error: `${reason} (waited ${Math.round((now - since) / 60_000)} min for it to come back; the limit is ${Math.round(limit / 60_000)} min)` };
  const delays = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  const attempts = (op.waiting?.attempts ?? 0) + 1;
  op.waiting = { since: new Date(since).toISOString(), attempts, retry_at: now + delays[Math.min(attempts, delays.length) - 1]!, reason };
  return "paused";
}

const chunkListsSchema = z.array(fileChunksSchema);

async function transferBatch(op: SyncOperation, files: { path: string; size: number }[], deps: SyncDeps, checkCancelled: () => void): Promise<void> {
  const src = `source ${op.sourceInstanceId}`;
  const paths = files.map((f) => under(op.sourcePath, f.path));
  const listed = must(await deps.source("files.chunks.many", { paths }), src);
  const parsed = chunkListsSchema.safeParse(safeJson(listed.body));
  if (!parsed.success || parsed.data.length !== files.length) throw new Stop("E-INTERNAL", `${src} answered files.chunks.many with a malformed list`);
  const lists = parsed.data;
  const all = lists.flatMap((l, i) => l.chunks.map((c) => ({ ...c, path: paths[i]! })));
  const distinct = chunksToUpload(all, new Set());

  // Recorded before R2 is asked: the collector spares a chunk used after it chose what to delete.
  await deps.touchChunks?.(op.ownerId, distinct.map((c) => ({ sha256: c.sha256, length: c.length })));
  // Only chunks R2 lacks are read from the source: a renamed, copied or re-synced file moves no bytes.
  const held = new Set<string>();
  await mapLimited(distinct, R2_CONCURRENCY, async (c) => {
    if (await deps.bucket.head(chunkKey(op.ownerId, c.sha256))) held.add(c.sha256);
  });
  const reads = groupByBytes(chunksToUpload(all, held), CHUNK_MAX_BYTES, MAX_BATCH_FILES);
  let reported = op.bytes.uploaded;
  await mapLimited(reads, CALL_CONCURRENCY, async (group) => {
    checkCancelled();
    const bytes = must(await deps.source("files.chunk.read.many", { reads: group.map(({ path, offset, length, sha256 }) => ({ path, offset, length, sha256 })) }), src).body;
    if (bytes.length !== group.reduce((n, c) => n + c.length, 0)) throw new Stop("E-INTERNAL", `${src} answered files.chunk.read.many with ${bytes.length} bytes`);
    let at = 0;
    const pieces = group.map((c) => ({ c, bytes: bytes.subarray(at, (at += c.length)) }));
    await Promise.all(pieces.map(async ({ c, bytes: piece }) => {
      // Verified on arrival: what R2 stores under a hash is exactly what hashes to it.
      if ((await sha256Hex(piece)) !== c.sha256) throw new Stop("E-INTERNAL", `${src} sent chunk ${c.sha256} of ${c.path} with other content`);
    }));
    await Promise.all(pieces.map(({ c, bytes: piece }) => deps.bucket.put(chunkKey(op.ownerId, c.sha256), piece.slice(), { customMetadata: { sha256: c.sha256 } })));
    op.bytes.uploaded += bytes.length;
    // A large file is one batch: its upload reports progress on the way, not only at its end.
    if (op.bytes.uploaded - reported >= PROGRESS_EVERY_BYTES) {
      reported = op.bytes.uploaded;
      deps.save(op);
      deps.progress(op);
    }
  });
  checkCancelled();

  const dst = `destination ${op.destinationInstanceId}`;
  const seed = files.filter((f) => f.size >= SEED_MIN_BYTES).map((f) => under(op.targetPath, f.path));
  let pulled = await deps.pullChunks(op.id, op.ownerId, distinct.map((c) => ({ sha256: c.sha256, length: c.length })), seed);
  if (!pulled.ok && pulled.code === "E-NOT-FOUND") {
    // A chunk collected between the check above and the pull (it had not been used for the
    // retention period until this batch touched it): upload it again from the source, once.
    for (const c of distinct) if (!(await deps.bucket.head(chunkKey(op.ownerId, c.sha256)))) await reupload(op, c, deps, src);
    pulled = await deps.pullChunks(op.id, op.ownerId, distinct.map((c) => ({ sha256: c.sha256, length: c.length })), seed);
  }
  op.bytes.downloaded += must(pulled, dst).downloaded;
  must(
    await deps.destination("files.assemble.many", {
      operation: op.id,
      files: lists.map((l, i) => ({ path: under(op.targetPath, files[i]!.path), size: l.size, sha256: l.sha256, mode: l.mode, mtime_ms: l.mtime_ms, chunks: l.chunks.map((c) => c.sha256) })),
    }),
    dst,
  );
}

const applyResultSchema = fileCallResults["files.apply.many"];

/** Folders, symlinks or metadata at the destination; those its agent refuses are listed in the operation's `skipped`. */
async function applyGroup(op: SyncOperation, group: readonly RelativeApply[], deps: SyncDeps): Promise<void> {
  const dst = `destination ${op.destinationInstanceId}`;
  const answered = must(await deps.destination("files.apply.many", { entries: group.map((e) => ({ ...e, path: under(op.targetPath, e.path) })) }), dst);
  const parsed = applyResultSchema.safeParse(answered.result);
  if (!parsed.success || parsed.data.results.length !== group.length) throw new Stop("E-INTERNAL", `${dst} answered files.apply.many with a malformed list`);
  parsed.data.results.forEach((r, i) => {
    if (!("skipped" in r)) return;
    op.skipped ??= [];
    if (op.skipped.length < MAX_SKIPPED_LISTED) op.skipped.push({ path: group[i]!.path, side: "destination", reason: r.skipped });
  });
}

async function reupload(op: SyncOperation, c: { path: string; offset: number; length: number; sha256: string }, deps: SyncDeps, src: string) {
  const bytes = must(await deps.source("files.chunk.read.many", { reads: [{ path: c.path, offset: c.offset, length: c.length, sha256: c.sha256 }] }), src).body;
  if (bytes.length !== c.length || (await sha256Hex(bytes)) !== c.sha256) throw new Stop("E-INTERNAL", `${src} sent chunk ${c.sha256} of ${c.path} with other content`);
  await deps.bucket.put(chunkKey(op.ownerId, c.sha256), bytes, { customMetadata: { sha256: c.sha256 } });
  op.bytes.uploaded += bytes.length;
}

/**
 * The destination's half, run in its own object: the chunks its agent has not staged yet are
 * read from R2, checked against their hash again, and sent a few at a time, at most
 * CHUNK_MAX_BYTES per call. A chunk missing from R2 answers E-NOT-FOUND.
 */
export async function pullChunksToAgent(call: FileCall, bucket: R2Bucket, operation: string, ownerId: string, chunks: ChunkRef[], seed: string[] = []): Promise<DoResult<{ downloaded: number }>> {
  const wanted = chunksToUpload(chunks, new Set());
  const staged = new Set<string>();
  for (let i = 0; i < wanted.length; i += 100_000) {
    const have = await call("files.stage.have", { operation, chunks: wanted.slice(i, i + 100_000).map((c) => c.sha256), seed });
    if (!have.ok) return have;
    for (const sha of (have.value.result as { have?: string[] } | null)?.have ?? []) staged.add(sha);
  }
  let downloaded = 0;
  try {
    await mapLimited(groupByBytes(chunksToUpload(wanted, staged), CHUNK_MAX_BYTES, MAX_BATCH_FILES), CALL_CONCURRENCY, async (group) => {
      const pieces = await Promise.all(group.map(async (c) => {
        const obj = await bucket.get(chunkKey(ownerId, c.sha256));
        if (!obj) throw new Stop("E-NOT-FOUND", `chunk ${c.sha256} is missing from storage`);
        const bytes = new Uint8Array(await obj.arrayBuffer());
        if ((await sha256Hex(bytes)) !== c.sha256) throw new Stop("E-INTERNAL", `chunk ${c.sha256} in storage does not hash to its name`);
        return bytes;
      }));
      const body = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
      pieces.reduce((at, p) => (body.set(p, at), at + p.length), 0);
      must(await call("files.stage.put.many", { operation, chunks: group.map((c, i) => ({ sha256: c.sha256, length: pieces[i]!.length })) }, body), "stage");
      downloaded += body.length;
    });
  } catch (e) {
    if (e instanceof Stop && e.code !== "cancelled") return { ok: false, code: e.code, message: e.message.replace(/^stage: /, "") };
    throw e;
  }
  return { ok: true, value: { downloaded } };
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
