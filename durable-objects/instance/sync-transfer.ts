import { chunksToUpload, fileChunksSchema, type ErrorCode, type FileCallMethod, type FileChunks } from "@anchorage/common";
import type { DoResult } from "./instance-do.ts";

/**
 * A sync's transfer (DESIGN.md, Sync), run by the source's InstanceDO after the compare and the
 * plan: for each file, the source lists its content-defined chunks, uploads to R2 only those R2
 * does not hold for this owner (each verified before it is stored), the destination pulls the
 * chunks it lacks from R2 and assembles the file atomically; then, if asked, deletions (into the
 * backup folder). The operation's state (not its plan) is saved after every file, so its status
 * survives the object, and a sync run again skips what is done: identical files are not in the
 * plan and chunks in R2 are not uploaded again.
 */

export type SyncState = "running" | "done" | "failed" | "cancelled";

/**
 * Relative paths, in the order they are done. Held in memory only, never in storage: a plan of
 * 100,000 paths is megabytes, past a DO SQLite value's 2 MB limit, and a sync cut short by a
 * restart is resumed by running it again (which compares again anyway).
 */
export type SyncPlanPaths = { transfer: { path: string; size: number }[]; remove: string[] };

export type SyncOperation = {
  id: string;
  sourceInstanceId: string;
  destinationInstanceId: string;
  /** The source's owner: chunks live under `chunks/<ownerId>/`. */
  ownerId: string;
  requestedBy: string;
  sourcePath: string;
  targetPath: string;
  state: SyncState;
  files: { total: number; done: number };
  bytes: { total: number; uploaded: number; downloaded: number };
  error?: string;
  started_at: string;
  finished_at?: string;
};

type FileCall = (method: FileCallMethod, params: unknown, body?: Uint8Array) => Promise<DoResult<{ result: unknown; body: Uint8Array }>>;

export type SyncDeps = {
  source: FileCall;
  destination: FileCall;
  /** The destination's object brings these chunks from R2 to its agent; answers the bytes it moved. */
  pullChunks: (operation: string, ownerId: string, chunks: string[]) => Promise<DoResult<{ downloaded: number }>>;
  bucket: R2Bucket;
  /** Waits before each retry of a file when an agent went away (DESIGN.md, flapping connections). */
  retryDelaysMs?: readonly number[];
  /** The operation as stored now (a cancel changes it from outside). */
  load: () => SyncOperation | undefined;
  save: (op: SyncOperation) => void;
  progress: (op: SyncOperation, path?: string) => void;
};

export const chunkKey = (ownerId: string, sha256: string) => `chunks/${ownerId}/${sha256}`;
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

/** Runs the operation to its end (done, failed or cancelled); never throws. */
export async function runSyncTransfer(op: SyncOperation, plan: SyncPlanPaths, deps: SyncDeps): Promise<SyncOperation> {
  const checkCancelled = () => {
    if (deps.load()?.state === "cancelled") throw new Stop("cancelled", "cancelled");
  };
  try {
    for (const file of plan.transfer) {
      checkCancelled();
      await withReconnects(deps, checkCancelled, () => transferFile(op, file.path, deps, checkCancelled));
      op.files.done++;
      deps.save(op);
      deps.progress(op, file.path);
    }
    for (const rel of plan.remove) {
      checkCancelled();
      must(await deps.destination("files.remove", { path: under(op.targetPath, rel) }), `destination ${op.destinationInstanceId}`);
      op.files.done++;
      deps.save(op);
      deps.progress(op, rel);
    }
    op.state = "done";
  } catch (e) {
    if (e instanceof Stop && e.code === "cancelled") op.state = "cancelled";
    else {
      op.state = "failed";
      op.error = (e as Error).message;
    }
  }
  op.finished_at = new Date().toISOString();
  // The staged chunks served their purpose; a failure to clear them is not the sync's.
  await deps.destination("files.stage.clear", { operation: op.id }).catch(() => undefined);
  deps.save(op);
  deps.progress(op);
  return op;
}

/** About a minute in all: agents reconnect within seconds (backoff with jitter). */
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000] as const;
/** An agent that dropped (or a call that ran out of time) is worth waiting for; a refusal is not. */
const RETRIED: ReadonlySet<string> = new Set(["E-INSTANCE-OFFLINE", "E-TIMEOUT"]);

/**
 * Runs one file's transfer again when an agent drops mid-way: the retry resumes from what is
 * stored, since chunks already in R2 are not read from the source again and chunks the
 * destination staged are not sent again.
 */
async function withReconnects(deps: SyncDeps, checkCancelled: () => void, run: () => Promise<void>): Promise<void> {
  const delays = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof Stop) || !RETRIED.has(e.code) || attempt >= delays.length) throw e;
      await new Promise((r) => setTimeout(r, delays[attempt]));
      checkCancelled();
    }
  }
}

async function transferFile(op: SyncOperation, rel: string, deps: SyncDeps, checkCancelled: () => void): Promise<void> {
  const src = `source ${op.sourceInstanceId}`;
  const sourcePath = under(op.sourcePath, rel);
  const listed = must(await deps.source("files.chunks", { path: sourcePath }), src);
  const parsed = fileChunksSchema.safeParse(safeJson(listed.body));
  if (!parsed.success) throw new Stop("E-INTERNAL", `${src} answered files.chunks with a malformed list`);
  const list: FileChunks = parsed.data;

  // Only chunks R2 lacks are read from the source: a renamed, copied or re-synced file moves no bytes.
  const distinct = chunksToUpload(list.chunks, new Set());
  const held = new Set<string>();
  for (const c of distinct) if (await deps.bucket.head(chunkKey(op.ownerId, c.sha256))) held.add(c.sha256);
  for (const c of chunksToUpload(list.chunks, held)) {
    checkCancelled();
    const bytes = must(await deps.source("files.chunk.read", { path: sourcePath, offset: c.offset, length: c.length, sha256: c.sha256 }), src).body;
    // Verified on arrival: what R2 stores under a hash is exactly what hashes to it.
    if (bytes.length !== c.length || (await sha256Hex(bytes)) !== c.sha256) throw new Stop("E-INTERNAL", `${src} sent chunk ${c.sha256} of ${rel} with other content`);
    await deps.bucket.put(chunkKey(op.ownerId, c.sha256), bytes, { customMetadata: { sha256: c.sha256 } });
    op.bytes.uploaded += c.length;
  }
  checkCancelled();

  const dst = `destination ${op.destinationInstanceId}`;
  const pulled = must(await deps.pullChunks(op.id, op.ownerId, distinct.map((c) => c.sha256)), dst);
  op.bytes.downloaded += pulled.downloaded;
  must(
    await deps.destination("files.assemble", {
      operation: op.id, path: under(op.targetPath, rel), size: list.size, sha256: list.sha256, mode: list.mode, mtime_ms: list.mtime_ms, chunks: list.chunks.map((c) => c.sha256),
    }),
    dst,
  );
}

/**
 * The destination's half, run in its own object: the chunks its agent has not staged yet are
 * read from R2, checked against their hash again, and sent on a call stream each.
 */
export async function pullChunksToAgent(call: FileCall, bucket: R2Bucket, operation: string, ownerId: string, chunks: string[]): Promise<DoResult<{ downloaded: number }>> {
  const have = await call("files.stage.have", { operation, chunks });
  if (!have.ok) return have;
  const staged = new Set((have.value.result as { have?: string[] } | null)?.have ?? []);
  let downloaded = 0;
  for (const sha of chunks) {
    if (staged.has(sha)) continue;
    const obj = await bucket.get(chunkKey(ownerId, sha));
    if (!obj) return { ok: false, code: "E-INTERNAL", message: `chunk ${sha} is missing from storage` };
    const bytes = new Uint8Array(await obj.arrayBuffer());
    if ((await sha256Hex(bytes)) !== sha) return { ok: false, code: "E-INTERNAL", message: `chunk ${sha} in storage does not hash to its name` };
    const put = await call("files.stage.put", { operation, sha256: sha }, bytes);
    if (!put.ok) return put;
    staged.add(sha);
    downloaded += bytes.length;
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
