import type { SyncActivityEvent } from "@anchorage/common";
import type { SyncPlan } from "@anchorage/common/sync/plan-sync";

/**
 * A running sync as the screen shows it, reduced from what the server says: the operation's
 * `cloud:sync-activity` events (one after every file, naming it, and one at the end) and, once
 * after starting and after a reconnect of the event socket, `GET …/operations/:id`. Pure, so the
 * reduction is tested without a socket.
 */

/** `GET /api/cloud/sync/operations/:id` (src/cloud/sync/sync-routes.ts): the counts an event carries, plus the request and its times. */
export type SyncOperationView = Pick<SyncActivityEvent, "operationId" | "destinationInstanceId" | "state" | "files" | "bytes" | "error"> & {
  sourceInstanceId: string;
  sourcePath: string;
  targetPath: string;
  started_at: string;
  finished_at?: string;
};

export type RunState = SyncOperationView["state"];
export type FileState = "pending" | "done" | "failed" | "skipped" | "unreported" | "cancelled";

export interface PlannedFile {
  path: string;
  /** Bytes to send (0 for a removal). */
  size: number;
  action: "send" | "remove";
}

export interface SyncProgress {
  operationId: string;
  state: RunState;
  /** In the order the server works through them: sends, then removals (planSync's order). */
  planned: PlannedFile[];
  /** Paths an event said were finished. */
  finished: ReadonlySet<string>;
  files: { total: number; done: number };
  bytes: { total: number; uploaded: number; downloaded: number };
  error?: string;
  /** Server times (ms since the epoch): when it started, and the newest word from it. */
  startedAt: number | null;
  lastAt: number | null;
}

/** The progress of a sync the server has just started for `plan`. */
export function startProgress(operationId: string, plan: SyncPlan): SyncProgress {
  const planned: PlannedFile[] = [
    ...plan.transfer.map((e) => ({ path: e.path, size: e.source?.size ?? 0, action: "send" as const })),
    ...plan.remove.map((e) => ({ path: e.path, size: 0, action: "remove" as const })),
  ];
  return {
    operationId,
    state: "running",
    planned,
    finished: new Set(),
    files: { total: planned.length, done: 0 },
    bytes: { total: planned.reduce((n, f) => n + f.size, 0), uploaded: 0, downloaded: 0 },
    startedAt: null,
    lastAt: null,
  };
}

const ms = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** Counts only move forward: an event that arrives late (or a status read before it) never takes progress back. */
function merged(p: SyncProgress, s: Pick<SyncOperationView, "state" | "files" | "bytes" | "error">): SyncProgress {
  const ended = p.state !== "running";
  return {
    ...p,
    // An ended operation stays ended, whatever a late "running" says.
    state: ended ? p.state : s.state,
    files: { total: s.files.total, done: Math.max(p.files.done, s.files.done) },
    bytes: {
      total: s.bytes.total,
      uploaded: Math.max(p.bytes.uploaded, s.bytes.uploaded),
      downloaded: Math.max(p.bytes.downloaded, s.bytes.downloaded),
    },
    ...((s.error ?? p.error) ? { error: s.error ?? p.error } : {}),
  };
}

/** One event from the socket; events of other operations change nothing. */
export function applySyncEvent(p: SyncProgress, e: SyncActivityEvent): SyncProgress {
  if (e.operationId !== p.operationId) return p;
  const at = ms(e.at);
  const next = merged(p, e);
  if (e.path) next.finished = new Set(p.finished).add(e.path);
  // The first event (nothing done yet, no file named) is sent as the sync starts.
  if (next.startedAt === null && e.state === "running" && e.files.done === 0 && !e.path) next.startedAt = at;
  if (at !== null && (next.lastAt === null || at > next.lastAt)) next.lastAt = at;
  return next;
}

/** The operation as read from the API (after starting, and after the event socket reconnected). */
export function applyOperation(p: SyncProgress, op: SyncOperationView): SyncProgress {
  if (op.operationId !== p.operationId) return p;
  const next = merged(p, op);
  next.startedAt = ms(op.started_at) ?? p.startedAt;
  const end = op.finished_at ? ms(op.finished_at) : null;
  if (end !== null && (next.lastAt === null || end > next.lastAt)) next.lastAt = end;
  return next;
}

/**
 * Each planned file's state. Finished ones are done. Once the sync ends: done → the rest were
 * skipped (the server compared again and found them identical by now, or gone), unless the server
 * counted them as sent (their events were missed while the socket was down): then they are done, and
 * when the counts cannot tell which were sent and which skipped, they are said to be one or the
 * other; failed → the first unfinished one is where it stopped, the rest were not reached;
 * cancelled → not reached.
 */
export function fileStates(p: SyncProgress): (PlannedFile & { state: FileState })[] {
  const unheard = p.planned.filter((f) => !p.finished.has(f.path)).length;
  // The server's plan left out this many of the chosen files (identical by now, or gone).
  const skipped = Math.max(0, p.planned.length - p.files.total);
  const endState: FileState = skipped === 0 ? "done" : skipped >= unheard ? "skipped" : "unreported";
  let failedOne = p.state !== "failed";
  return p.planned.map((f) => {
    if (p.finished.has(f.path)) return { ...f, state: "done" };
    if (p.state === "running") return { ...f, state: "pending" };
    if (p.state === "done") return { ...f, state: endState };
    if (!failedOne) {
      failedOne = true;
      return { ...f, state: "failed" };
    }
    return { ...f, state: "cancelled" };
  });
}

export const fileStateWords: Record<FileState, string> = {
  pending: "Pending",
  done: "Done",
  failed: "Failed",
  skipped: "Skipped (identical by now)",
  unreported: "Done or skipped (missed while offline)",
  cancelled: "Not synced",
};

/** 0 to 100: by bytes when there are any to move, else by files. */
export function percentDone(p: SyncProgress): number {
  if (p.state === "done") return 100;
  const { done, total } = p.bytes.total > 0 ? { done: p.bytes.downloaded, total: p.bytes.total } : p.files;
  return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
}

/** Bytes delivered per second so far, and the time left at that rate; null until there is something to go by. */
export function rateAndEta(p: SyncProgress): { bytesPerSecond: number | null; etaMs: number | null } {
  if (p.startedAt === null || p.lastAt === null || p.lastAt <= p.startedAt || p.bytes.downloaded === 0) return { bytesPerSecond: null, etaMs: null };
  const bytesPerSecond = p.bytes.downloaded / ((p.lastAt - p.startedAt) / 1000);
  const left = Math.max(0, p.bytes.total - p.bytes.downloaded);
  return { bytesPerSecond, etaMs: p.state === "running" ? (left / bytesPerSecond) * 1000 : null };
}
