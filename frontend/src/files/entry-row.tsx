import type { DirEntry } from "@anchorage/common";
import { ConfirmAction } from "../confirm-action.tsx";
import { formatBytes, formatDate } from "../format.ts";
import { DownloadLink } from "./download-link.tsx";
import { EntryNameForm } from "./entry-name-form.tsx";
import { filesAddress, joinPath } from "./file-paths.ts";

/** BACKUP_DIR of common/src/protocol/files.ts (a zod module, not imported here): the agent's, never renamed or deleted. */
const BACKUPS = ".anchorage-backups";

interface EntryRowProps {
  instanceId: string;
  entry: DirEntry;
  folder: string;
  tabPath: string;
  canWrite: boolean;
  renaming: boolean;
  busy: boolean;
  /** The machine's refusal of the rename being typed. */
  formError: string | null;
  onStartRename: () => void;
  onRename: (to: string) => void;
  onCancelRename: () => void;
  onDelete: () => void;
  onExpired: () => void;
}

/** One entry of a folder: its name (a link that opens it, or the rename form), size, time, and its actions. */
export function EntryRow({ instanceId, entry: e, folder, tabPath, canWrite, renaming, busy, formError, onStartRename, onRename, onCancelRename, onDelete, onExpired }: EntryRowProps) {
  return (
    <tr>
      <th scope="row" class="files-name-cell">
        {renaming ? (
          <EntryNameForm label={`New name for ${e.name}`} hideLabel initial={e.name} submitLabel="Rename" busy={busy} error={formError} onSubmit={onRename} onCancel={onCancelRename} />
        ) : (
          <EntryLink entry={e} folder={folder} tabPath={tabPath} />
        )}
        {/* On a phone the size and time columns are hidden: they show here (read once, from their cells). */}
        <span class="files-narrow-facts file-status" aria-hidden="true">
          {e.type === "file" ? `${formatBytes(e.size)} · ` : ""}
          {formatDate(e.mtime)}
        </span>
      </th>
      <td class="files-size file-status">{e.type === "file" ? formatBytes(e.size) : ""}</td>
      <td class="files-time file-status">
        <time dateTime={e.mtime}>{formatDate(e.mtime)}</time>
      </td>
      <td>
        <div class="button-row files-row-actions">
          {(e.type === "file" || e.type === "symlink") && (
            <DownloadLink class="button" instanceId={instanceId} path={joinPath(folder, e.name)} name={e.name} onExpired={onExpired}>
              Download<span class="visually-hidden"> {e.name}</span>
            </DownloadLink>
          )}
          {canWrite && e.name !== BACKUPS && (
            <>
              <button type="button" onClick={onStartRename} disabled={busy || renaming}>
                Rename<span class="visually-hidden"> {e.name}</span>
              </button>
              <ConfirmAction
                label="Delete"
                subject={e.name}
                busyLabel="Deleting…"
                busy={busy}
                question={`${e.type === "directory" ? `Delete the folder ${e.name} and everything in it?` : `Delete ${e.name}?`} It is moved into this root's backup folder (${BACKUPS}), where it is kept until backups expire.`}
                confirmLabel="Delete"
                onConfirm={onDelete}
              />
            </>
          )}
        </div>
      </td>
    </tr>
  );
}

const kindWords: Record<DirEntry["type"], string> = { file: "file", directory: "folder", symlink: "link", other: "other" };

/** A folder opens at its own address, a file (or a link, read through) in the file view; anything else is only named. */
function EntryLink({ entry: e, folder, tabPath }: { entry: DirEntry; folder: string; tabPath: string }) {
  if (e.type === "directory")
    return (
      <a class="file-path files-entry" data-entry={e.name} href={filesAddress(tabPath, joinPath(folder, e.name))}>
        {e.name}/<span class="visually-hidden"> (folder)</span>
      </a>
    );
  if (e.type === "other")
    return (
      <span class="file-path" data-entry={e.name} tabIndex={-1}>
        {e.name} <span class="file-status">({kindWords[e.type]})</span>
      </span>
    );
  return (
    <a class="file-path files-entry" data-entry={e.name} href={filesAddress(tabPath, folder, e.name)}>
      {e.name}
      {e.type === "symlink" && <span class="file-status"> (link)</span>}
    </a>
  );
}
