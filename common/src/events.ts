import type { CommandResult, LogLine, SystemStats } from "./protocol/messages.ts";
import type { MirrorDirection, MirrorState } from "./sync/mirror-state.ts";
import type { RunMemberState, RunResult } from "./fleet-runs.ts";

/**
 * What a dashboard's socket on /api/events receives (UserHubDO), one JSON object a message.
 * Names follow the Cloud Manager's events.
 */
export type InstanceUpdateEvent = {
  type: "cloud:instance-update";
  instanceId: string;
  status: "online" | "offline";
  at: string;
  stats?: SystemStats;
  reason?: string;
};

export type CommandProgressEvent = {
  type: "cloud:command-progress";
  instanceId: string;
  actionId: string;
  command: string;
  at: string;
  /** Output as it comes; absent on the final event. */
  stream?: "stdout" | "stderr";
  data?: string;
  /** Set on the final event. */
  status?: "running" | "success" | "error";
  result?: CommandResult;
  error?: string;
};

export type LogLinesEvent = { type: "cloud:log-lines"; instanceId: string; lines: (LogLine & { seq: number })[] };

/**
 * A terminal's output as a preview (coalesced, at most a few per second) and its end. They go to
 * the session's user and the instance's owner only: a terminal is not for everyone who may read the instance.
 */
export type TtyDataEvent = { type: "cloud:tty-data"; instanceId: string; sessionId: string; data: string };
export type TtyExitEvent = {
  type: "cloud:tty-exit";
  instanceId: string;
  sessionId: string;
  code: number | null;
  signal: string | null;
  /** `lost`: the agent came back without it (it restarted, and its shells with it). */
  reason: "exit" | "closed" | "idle" | "max-lifetime" | "detached" | "lost";
  at: string;
};

/** Someone invited you into their terminal session (issue 28): open it with `session=<sessionId>`. */
export type TtyInviteEvent = { type: "cloud:tty-invite"; instanceId: string; sessionId: string; mode: "watch" | "drive"; from: string; at: string };

/** A sync's progress (DESIGN.md, Sync): after each file, and once more when it ends. */
export type SyncActivityEvent = {
  type: "cloud:sync-activity";
  /** The source instance, whose object runs the sync. */
  instanceId: string;
  destinationInstanceId: string;
  operationId: string;
  at: string;
  state: "running" | "done" | "failed" | "cancelled";
  files: { total: number; done: number };
  bytes: { total: number; uploaded: number; downloaded: number };
  /** The file just finished (relative to the synced folders). */
  path?: string;
  error?: string;
};

/**
 * A mirror changed state (checked, marked by its source's agent, syncing, synced, failed), was saved
 * or was deleted (`deleted: true`). Sent to those who may see its source instance, like a sync's activity.
 */
export type MirrorEvent = {
  type: "cloud:mirror";
  /** The source instance, whose object checks and syncs it. */
  instanceId: string;
  destinationInstanceId: string;
  mirrorId: string;
  direction: MirrorDirection;
  state: MirrorState;
  at: string;
  last_check_at: string | null;
  last_sync_at: string | null;
  last_error?: string;
  /** The sync it started, when it is syncing. */
  operationId?: string;
  deleted?: true;
};

/**
 * One member of a run changed state (`POST /api/cloud/runs`): sent to the run's owner. `state` is
 * the run's own after this change (`done` on the last member's event), `counts` its members by state.
 */
export type RunProgressEvent = {
  type: "cloud:run-progress";
  runId: string;
  /** The member this event is about. */
  instanceId: string;
  result: RunResult;
  state: "running" | "done";
  counts: Partial<Record<RunMemberState, number>>;
  at: string;
};

export type HubEvent = RunProgressEvent | InstanceUpdateEvent | CommandProgressEvent | LogLinesEvent | TtyDataEvent | TtyExitEvent | TtyInviteEvent | SyncActivityEvent | MirrorEvent;
