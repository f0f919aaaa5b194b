import type { Mirror, MirrorDirection, MirrorEvent, MirrorSaveRequest, MirrorState } from "@anchorage/common";
import { MIRROR_DEFAULT_INTERVAL_SECONDS, MIRROR_STATE_LABELS, reportedMirrorState } from "@anchorage/common/sync/mirror-state";
import type { Tone } from "../tone.ts";
import type { SyncRequest } from "./compare-view.ts";

/**
 * Mirrors on the File sync screen, as pure decisions: where each direction's routes live, a
 * mirror's state now in words, a `cloud:mirror` event applied to the list, and the body that
 * saves a new mirror of the folders chosen on the screen.
 */

/** Push mirrors under /api/cloud/mirrors, pull mirrors under /api/cloud/pulls (the same routes, one direction each). */
export const mirrorBase = (d: MirrorDirection) => (d === "push" ? "/api/cloud/mirrors" : "/api/cloud/pulls");

const TONE: Record<MirrorState, Tone> = { in_sync: "ok", needs_sync: "neutral", syncing: "neutral", stale: "bad", error: "bad" };

/** The state to show now: the server's rule, so a mirror nobody checked within twice its interval shows stale without an event. */
export function mirrorStateNow(m: Mirror, now: number): { state: MirrorState; label: string; tone: Tone } {
  const state = reportedMirrorState(m, now);
  return { state, label: MIRROR_STATE_LABELS[state], tone: TONE[state] };
}

export const directionWords: Record<MirrorDirection, string> = { push: "Push", pull: "Pull" };

/**
 * A `cloud:mirror` event applied to the list. A mirror the list does not hold (saved from another
 * tab, or just shared with you) means reading the list again: the event does not carry all of it.
 */
export function applyMirrorEvent(list: readonly Mirror[], e: MirrorEvent): Mirror[] | "reload" {
  const known = list.some((m) => m.id === e.mirrorId);
  if (e.deleted) return known ? list.filter((m) => m.id !== e.mirrorId) : [...list];
  if (!known) return "reload";
  return list.map((m) =>
    m.id !== e.mirrorId
      ? m
      : {
          ...m,
          state: e.state,
          last_check_at: e.last_check_at,
          last_sync_at: e.last_sync_at,
          last_error: e.last_error ?? (e.state === "error" ? m.last_error : null),
          last_operation_id: e.operationId ?? m.last_operation_id,
          updated_at: e.at,
        },
  );
}

export const INTERVAL_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 60, label: "Every minute" },
  { seconds: MIRROR_DEFAULT_INTERVAL_SECONDS, label: "Every 5 minutes" },
  { seconds: 900, label: "Every 15 minutes" },
  { seconds: 3600, label: "Every hour" },
  { seconds: 86_400, label: "Every day" },
];

/** 300 → "every 5 min", 3600 → "every hour", 7200 → "every 2 h". */
export function intervalWords(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? "every day" : `every ${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? "every hour" : `every ${seconds / 3600} h`;
  if (seconds % 60 === 0) return seconds === 60 ? "every minute" : `every ${seconds / 60} min`;
  return `every ${seconds} s`;
}

export interface MirrorDraft {
  name: string;
  direction: MirrorDirection;
  intervalSeconds: number;
  autoSync: boolean;
}

/** A new mirror of the screen's two folders with its options; a blank name is left to the server's default. */
export function mirrorSaveBody(req: SyncRequest, d: MirrorDraft): MirrorSaveRequest {
  const name = d.name.trim();
  return {
    ...(name ? { name } : {}),
    sourceInstanceId: req.sourceInstanceId,
    destinationInstanceId: req.destinationInstanceId,
    sourcePath: req.sourcePath,
    targetPath: req.targetPath,
    options: { exclude: req.options.exclude, delete: req.options.delete },
    intervalSeconds: d.intervalSeconds,
    autoSync: d.autoSync,
  };
}
