import { z } from "zod";
import { compareStatusSchema, crossInstanceRequestSchema, excludeGlobSchema } from "../protocol/files.ts";
import {
  MIRROR_DEFAULT_INTERVAL_SECONDS,
  MIRROR_DIRECTIONS,
  MIRROR_MAX_INTERVAL_SECONDS,
  MIRROR_MIN_INTERVAL_SECONDS,
  MIRROR_STATES,
} from "./mirror-state.ts";

/**
 * Mirrors (issue #7, DESIGN.md "Sync"): a kept relationship "this folder on one instance is copied
 * to that folder on another", checked on a schedule and when the source's agent sees a change.
 * Push mirrors (`/api/cloud/mirrors/*`) and pull mirrors (`/api/cloud/pulls/*`) are the same thing
 * seen from either end: both copy source → destination; `direction` says whose side lists it.
 * Requests use the cross-instance sync's body (camelCase ids and paths); times are snake_case, as
 * in a sync operation's view.
 */

export const mirrorStateSchema = z.enum(MIRROR_STATES);
export const mirrorDirectionSchema = z.enum(MIRROR_DIRECTIONS);

export const mirrorIdSchema = z.string().regex(/^mir_[A-Za-z0-9_-]{8,40}$/, "a mirror id (mir_…)");

/**
 * Save: the cross-instance sync's body (without `verify`) plus the schedule. No `id` creates a
 * mirror, an `id` replaces that mirror's settings (its folders are compared again).
 */
export const mirrorSaveRequestSchema = crossInstanceRequestSchema.extend({
  id: mirrorIdSchema.optional(),
  /** Shown in lists; defaults to "<source path> → <target path>". */
  name: z.string().trim().min(1).max(120).optional(),
  options: z
    .strictObject({
      exclude: z.array(excludeGlobSchema).max(200).default([]),
      /** A sync also removes what is only on the destination (into its backup folder). */
      delete: z.boolean().default(false),
    })
    .default({ exclude: [], delete: false }),
  /** How often the schedule checks it. */
  intervalSeconds: z.number().int().min(MIRROR_MIN_INTERVAL_SECONDS).max(MIRROR_MAX_INTERVAL_SECONDS).default(MIRROR_DEFAULT_INTERVAL_SECONDS),
  /** Sync by itself whenever a check (scheduled, or after the source's agent saw a change) finds something to send. */
  autoSync: z.boolean().default(false),
});
export type MirrorSaveRequest = z.infer<typeof mirrorSaveRequestSchema>;

/** delete, sync and check name one mirror. */
export const mirrorIdRequestSchema = z.strictObject({ id: mirrorIdSchema });

/** list: all you may see (`sync:` on both its instances), or those touching one instance. */
export const mirrorListQuerySchema = z.object({ instanceId: z.string().min(1).max(64).optional() });

export const mirrorSummarySchema = z.record(compareStatusSchema, z.number().int());

export const mirrorSchema = z.object({
  id: mirrorIdSchema,
  direction: mirrorDirectionSchema,
  name: z.string(),
  /** Who saved it last; scheduled checks and syncs act with their `sync:` rights and stop when those are gone. */
  ownerId: z.string(),
  sourceInstanceId: z.string(),
  destinationInstanceId: z.string(),
  sourcePath: z.string(),
  targetPath: z.string(),
  options: z.object({ exclude: z.array(z.string()), delete: z.boolean() }),
  intervalSeconds: z.number().int(),
  autoSync: z.boolean(),
  /** As of now: `stale` when not checked successfully within twice the interval. */
  state: mirrorStateSchema,
  /** The last successful check. */
  last_check_at: z.string().nullable(),
  /** The end of the last sync that finished (state done). */
  last_sync_at: z.string().nullable(),
  /** The last check's counts by compare status. */
  last_summary: mirrorSummarySchema.nullable(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  /** The last sync started for it: follow it at /api/cloud/sync/operations/{id}. */
  last_operation_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Mirror = z.infer<typeof mirrorSchema>;

export const mirrorListSchema = z.object({ mirrors: z.array(mirrorSchema) });
export const mirrorSavedSchema = z.object({ success: z.literal(true), mirror: mirrorSchema });
export const mirrorDeletedSchema = z.object({ success: z.literal(true), id: mirrorIdSchema });
export const mirrorSyncStartedSchema = z.object({ success: z.literal(true), operationId: z.string(), mirror: mirrorSchema });
/** A check: the compare's counts, whether that leaves anything to send, and the mirror as it is now. */
export const mirrorCheckedSchema = z.object({
  success: z.literal(true),
  summary: mirrorSummarySchema,
  /** Files a sync would send (new, different, destination_newer) or remove (only_destination, with delete). */
  pending: z.number().int(),
  mirror: mirrorSchema,
});
export type MirrorChecked = z.infer<typeof mirrorCheckedSchema>;
