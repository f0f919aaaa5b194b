import { z } from "zod";
import { crossInstanceRequestSchema, type CrossInstanceRequest } from "@anchorage/common";

/**
 * The body of the instance-scoped sync routes (`…/instance/:id/sync/folder`,
 * `…/instance/:id/transfer/start`): the cross-instance body without `sourceInstanceId`, which is
 * the instance in the path. `destinationInstanceId` defaults to that instance too (two folders on
 * one machine).
 */
export const folderSyncRequestSchema = crossInstanceRequestSchema.omit({ sourceInstanceId: true, destinationInstanceId: true }).extend({
  destinationInstanceId: z.string().min(1).max(64).optional(),
});
export type FolderSyncRequest = z.infer<typeof folderSyncRequestSchema>;

/** The cross-instance request the body stands for, with `sourceId` as the source. */
export function asCrossInstance(sourceId: string, body: FolderSyncRequest): CrossInstanceRequest {
  return { ...body, sourceInstanceId: sourceId, destinationInstanceId: body.destinationInstanceId ?? sourceId };
}
