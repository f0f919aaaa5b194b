import type { CommandResult, LogLine, SystemStats } from "./protocol/messages.ts";

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

export type HubEvent = InstanceUpdateEvent | CommandProgressEvent | LogLinesEvent;
