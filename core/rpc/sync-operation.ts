import type { SkippedEntry } from "@anchorage/common";

/**
 * A sync between two folders as the source's InstanceDO keeps it (durable-objects/instance/sync-transfer.ts
 * runs it) and as the Worker reads it back (`syncStatus`, the activity feed, the audit entry).
 */

export type SyncState = "running" | "done" | "failed" | "cancelled";

/** A running operation paused because an agent is away: tried again at `retry_at`, or as soon as an agent is back. */
export type SyncWaiting = { since: string; attempts: number; retry_at: number; reason: string };

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
  /** Files whose content is sent, and files removed. */
  files: { total: number; done: number };
  /** Folders created, symlinks made, and modes and mtimes set (rsync -a's meaning); absent on records older than it. */
  entries?: { total: number; done: number };
  /** `written`: the size of the files written so far (reaches `total` at the end, however few bytes had to move). */
  bytes: { total: number; uploaded: number; downloaded: number; written?: number };
  /** What the sync left alone, and why: the compare's refusals and the destination writer's. */
  skipped?: SkippedEntry[];
  error?: string;
  started_at: string;
  finished_at?: string;
  /** Set while the operation waits for an agent to come back (state stays `running`). */
  waiting?: SyncWaiting;
};

/** One content-defined chunk of a file, by its hash (its R2 key is chunkKey's). */
export type ChunkRef = { sha256: string; length: number };
