import type { DeleteResult, FieldIssue, WriteResult } from "@anchorage/common";
import { ApiError, authed, getCurrentUser, instancePath, request } from "../api.ts";

export { browseFolder, listRoots, type Listing, type Roots } from "../sync/sync-api.ts";

/**
 * The file manager's calls beyond browsing (src/cloud/files/file-routes.ts, docs/files-and-sync.md):
 * a file's bytes with their ETag, a whole-file write guarded by If-Match / If-None-Match, a new
 * folder, a rename and a delete into the root's backup folder.
 */

/** The largest file read or written in one request (FILE_MAX_BYTES in common/src/protocol/files.ts, a zod module the dashboard does not import). */
export const FILE_MAX_BYTES = 1024 * 1024;

const q = (path: string) => `?path=${encodeURIComponent(path)}`;

/** Where a file's bytes are: also the download link's address (the answer is an attachment under the file's name). */
export const filePath = (instanceId: string, path: string) => instancePath(instanceId, `file${q(path)}`);

const networkError = () => new ApiError(0, "E-NETWORK", "Could not reach the server. Check your connection and try again.");

/** The JSON error of a failed answer (its text), as an ApiError. */
function errorOf(status: number, text: string): ApiError {
  let err: { code?: string; message?: string; fields?: FieldIssue[] } | undefined;
  try {
    err = (JSON.parse(text) as { error?: typeof err }).error;
  } catch {
    /* not JSON: the status says it */
  }
  return new ApiError(status, err?.code ?? "E-UNKNOWN", err?.message ?? `Request failed (HTTP ${status})`, err?.fields ?? []);
}

export interface FileBytes {
  bytes: Uint8Array;
  /** The content's SHA-256, as the ETag said it (unquoted): what a write's If-Match names. */
  sha256: string;
}

/** A file's bytes and their SHA-256 (at most FILE_MAX_BYTES: a larger file is a 413 ApiError). */
export const readFile = (instanceId: string, path: string) =>
  authed(async (): Promise<FileBytes> => {
    let res: Response;
    try {
      res = await fetch(filePath(instanceId, path), { credentials: "same-origin", cache: "no-store" });
    } catch {
      throw networkError();
    }
    if (!res.ok) throw errorOf(res.status, await res.text().catch(() => ""));
    const sha256 = /^"([0-9a-f]{64})"$/.exec(res.headers.get("etag") ?? "")?.[1];
    if (!sha256) throw new ApiError(res.status, "E-UNKNOWN", "The server's answer had no ETag, so a save could not check the file is unchanged.");
    return { bytes: new Uint8Array(await res.arrayBuffer()), sha256 };
  });

/** How a write is guarded: only over the content read (its SHA-256), or only if nothing is there. */
export type WriteGuard = { ifMatch: string } | { createOnly: true };

/**
 * Writes a file whole (PUT, at most FILE_MAX_BYTES). Never unguarded: a changed file is a 412
 * ApiError (E-PRECONDITION), so nobody's edit is replaced silently. XMLHttpRequest rather than
 * fetch because only it reports an upload's progress.
 */
export const writeFile = (instanceId: string, path: string, body: Blob, guard: WriteGuard, onProgress?: (sent: number, total: number) => void) =>
  authed(
    () =>
      new Promise<WriteResult>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("PUT", filePath(instanceId, path));
        xhr.withCredentials = true;
        xhr.setRequestHeader("accept", "application/json");
        xhr.setRequestHeader("content-type", "application/octet-stream");
        if ("ifMatch" in guard) xhr.setRequestHeader("if-match", `"${guard.ifMatch}"`);
        else xhr.setRequestHeader("if-none-match", "*");
        if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size);
        xhr.onerror = () => reject(networkError());
        xhr.onload = () => {
          if (xhr.status === 200 || xhr.status === 201) {
            try {
              resolve(JSON.parse(xhr.responseText) as WriteResult);
            } catch {
              reject(new ApiError(xhr.status, "E-UNKNOWN", "The server's answer to the write was not JSON."));
            }
          } else reject(errorOf(xhr.status, xhr.responseText));
        };
        xhr.send(body);
      }),
  );

export const makeFolder = (instanceId: string, path: string) =>
  authed(() => request<{ path: string }>("POST", instancePath(instanceId, "mkdir"), { path }));

/** Renames or moves; something already at `to` is a 409 ApiError (nothing is replaced). */
export const renameEntry = (instanceId: string, from: string, to: string) =>
  authed(() => request<{ from: string; to: string }>("POST", instancePath(instanceId, "rename"), { from, to }));

/** Moves a file or a whole folder into its root's backup folder; the answer names where. */
export const deleteEntry = (instanceId: string, path: string) => authed(() => request<DeleteResult>("DELETE", instancePath(instanceId, `file${q(path)}`)));

/**
 * Before a download link is followed: the access cookie is renewed if it expired (the link itself
 * cannot refresh it, and would save the 401's JSON as the file). False when the session is over.
 */
export const freshSession = () => getCurrentUser().then((u) => u !== null);
