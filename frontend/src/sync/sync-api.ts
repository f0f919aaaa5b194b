import type { CompareResult, DirEntry } from "@anchorage/common";
import { authed, instancePath, request } from "../api.ts";
import type { SyncRequest } from "./compare-view.ts";
import type { SyncOperationView } from "./sync-progress.ts";

/**
 * The file and sync routes the File sync screen calls (docs/files-and-sync.md): an
 * instance's roots and folders, a compare of two folders, a sync of the chosen files, and
 * the operation's state (read once after starting and after a reconnect; the events carry
 * the rest).
 */

export interface Roots {
  roots: { path: string; exists: boolean }[];
}

export interface Listing {
  path: string;
  entries: DirEntry[];
  truncated: boolean;
}

export const listRoots = (instanceId: string) => authed(() => request<Roots>("GET", instancePath(instanceId, "folders")));

export const browseFolder = (instanceId: string, path: string) =>
  authed(() => request<Listing>("GET", instancePath(instanceId, `browse?path=${encodeURIComponent(path)}`)));

export const compareFolders = (body: SyncRequest) => authed(() => request<CompareResult>("POST", "/api/cloud/sync/compare-cross-instance", body));

/** Syncs only `files` (paths from the compare); the server compares again first, so a file identical by now is skipped. */
export const syncChosenFiles = (body: SyncRequest, files: string[]) =>
  authed(() => request<{ success: true; operationId: string }>("POST", "/api/cloud/sync/execute-from-comparison", { ...body, files }));

const operationPath = (id: string) => `/api/cloud/sync/operations/${encodeURIComponent(id)}`;

export const getOperation = (id: string) => authed(() => request<SyncOperationView>("GET", operationPath(id)));

export const cancelOperation = (id: string) => authed(() => request<SyncOperationView>("POST", `${operationPath(id)}/cancel`));
