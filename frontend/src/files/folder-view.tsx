import type { DirEntry, Instance } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { EntryNameForm } from "./entry-name-form.tsx";
import { EntryRow } from "./entry-row.tsx";
import { deleteEntry, makeFolder, renameEntry, type Listing } from "./files-api.ts";
import { baseName, joinPath } from "./file-paths.ts";
import { UploadList } from "./upload-list.tsx";
import type { Picked, useUploads } from "./use-uploads.ts";

/** Where keyboard focus goes once the folder is listed: its heading (arrived here), or a row (came back from it, made or renamed it). */
export type FolderFocus = "heading" | { name: string } | null;

interface FolderViewProps {
  instance: Instance;
  folder: string;
  listing: Listing | null;
  loadError: string | null;
  canWrite: boolean;
  /** The Files tab's own address, for links to folders and files. */
  tabPath: string;
  initialFocus: FolderFocus;
  uploads: ReturnType<typeof useUploads>;
  onReload: () => void;
  onExpired: () => void;
}


/**
 * One folder of the Files tab: its entries (folders first), each opened by a link (a folder's own
 * address, or the file's), with Download, Rename and Delete (into the backup folder) in its row;
 * a new folder; uploads by the file picker or by dropping files onto the list.
 */
export function FolderView({ instance, folder, listing, loadError, canWrite, tabPath, initialFocus, uploads, onReload, onExpired }: FolderViewProps) {
  const [naming, setNaming] = useState<"new" | string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [focus, setFocus] = useState<FolderFocus>(initialFocus);
  const [dragging, setDragging] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const table = useRef<HTMLDivElement>(null);
  const newFolderButton = useRef<HTMLButtonElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const title = baseName(folder) || folder;
  const ready = listing !== null && listing.path === folder;

  // Focus lands once what it is meant for is on the page (a row appears when the folder is listed again).
  useEffect(() => {
    if (!focus) return;
    if (focus === "heading") {
      heading.current?.focus();
      return setFocus(null);
    }
    const row = ready ? table.current?.querySelector<HTMLElement>(`[data-entry="${CSS.escape(focus.name)}"]`) : null;
    if (row) {
      row.focus();
      setFocus(null);
    }
  }, [focus, listing]);

  function failed(e: unknown, prefix: string, inForm = false) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    const message = `${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`;
    if (inForm) setFormError(message);
    else setError(message);
  }

  function startNaming(what: "new" | string) {
    setNaming(what);
    setFormError(null);
    setNotice(null);
  }

  async function createFolder(name: string) {
    setBusy("new");
    setFormError(null);
    try {
      await makeFolder(instance.id, joinPath(folder, name));
      setNaming(null);
      setNotice(`Made the folder ${name}.`);
      setFocus({ name });
      onReload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setFormError(`Something named ${name} is already in this folder: nothing was made.`);
      else failed(e, "Could not make the folder", true);
    } finally {
      setBusy(null);
    }
  }

  async function rename(from: string, to: string) {
    if (to === from) return setNaming(null), setFocus({ name: from });
    setBusy(from);
    setFormError(null);
    try {
      await renameEntry(instance.id, joinPath(folder, from), joinPath(folder, to));
      setNaming(null);
      setNotice(`Renamed ${from} to ${to}.`);
      setFocus({ name: to });
      onReload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setFormError(`Something named ${to} is already in this folder: nothing was renamed or replaced.`);
      else failed(e, `Could not rename ${from}`, true);
    } finally {
      setBusy(null);
    }
  }

  async function remove(entry: DirEntry) {
    setBusy(entry.name);
    setError(null);
    setNotice(null);
    try {
      const r = await deleteEntry(instance.id, joinPath(folder, entry.name));
      setNotice(`Deleted ${entry.name}: it was moved to ${r.backup}, where it is kept until backups expire.`);
      setFocus("heading");
      onReload();
    } catch (e) {
      failed(e, `Could not delete ${entry.name}`);
      setFocus({ name: entry.name });
    } finally {
      setBusy(null);
    }
  }

  function pickedFrom(dt: DataTransfer): Picked[] {
    const items = [...dt.items].filter((i) => i.kind === "file");
    // A dropped folder comes as a File too; its entry says what it is.
    if (items.length) return items.flatMap((i) => {
      const file = i.getAsFile();
      return file ? [{ file, isFolder: i.webkitGetAsEntry?.()?.isDirectory ?? false }] : [];
    });
    return [...dt.files].map((file) => ({ file, isFolder: false }));
  }

  const dropHandlers: JSX.HTMLAttributes<HTMLDivElement> = canWrite
    ? {
        onDragOver(e) {
          if (!e.dataTransfer?.types.includes("Files")) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
          setDragging(true);
        },
        onDragLeave(e) {
          if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setDragging(false);
        },
        onDrop(e) {
          e.preventDefault();
          setDragging(false);
          if (e.dataTransfer) uploads.add(pickedFrom(e.dataTransfer), folder);
        },
      }
    : {};

  const entries = ready ? listing.entries : [];
  const folders = entries.filter((e) => e.type === "directory").length;

  return (
    <section class="files-folder stack-tight" aria-labelledby="files-folder-title">
      <div class="section-head">
        <h2 id="files-folder-title" ref={heading} tabIndex={-1}>
          <span class="visually-hidden">Folder </span>
          {title}
        </h2>
        {canWrite && (
          <div class="button-row">
            <button type="button" ref={newFolderButton} onClick={() => startNaming("new")} disabled={naming === "new"}>
              New folder
            </button>
            <button type="button" onClick={() => picker.current?.click()}>
              Upload files
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              onChange={(e) => {
                const files = [...(e.currentTarget.files ?? [])];
                e.currentTarget.value = "";
                uploads.add(files.map((file) => ({ file, isFolder: false })), folder);
              }}
            />
          </div>
        )}
      </div>
      {naming === "new" && (
        <EntryNameForm
          label="Name of the new folder"
          submitLabel="Make folder"
          busy={busy === "new"}
          error={formError}
          onSubmit={createFolder}
          onCancel={() => {
            setNaming(null);
            newFolderButton.current?.focus();
          }}
        />
      )}
      {error && (
        <Alert>
          <p>{error}</p>
        </Alert>
      )}
      {notice && <Notice text={notice} />}
      <UploadList uploads={uploads.uploads} onReplace={uploads.replace} onKeep={uploads.keep} onClear={uploads.clearFinished} />
      {loadError ? (
        <Alert>
          <p>{loadError}</p>
          <button type="button" onClick={onReload}>
            Try again
          </button>
        </Alert>
      ) : !ready ? (
        <p class="muted">Loading…</p>
      ) : (
        <div ref={table} class="files-drop" data-dragging={dragging ? "true" : undefined} role="region" aria-label={`Contents of ${title}`} {...dropHandlers}>
          {canWrite && <p class="muted files-drop-hint">Drop files here to upload them into {title} (1 MiB at most each).</p>}
          {entries.length === 0 ? (
            <p class="muted">This folder is empty.</p>
          ) : (
            <table class="files-table">
              <caption class="visually-hidden">
                {folders} folders and {entries.length - folders} other entries in {folder}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" class="files-size">
                    Size
                  </th>
                  <th scope="col" class="files-time">
                    Modified
                  </th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <EntryRow
                    key={e.name}
                    instanceId={instance.id}
                    entry={e}
                    folder={folder}
                    tabPath={tabPath}
                    canWrite={canWrite}
                    renaming={naming === e.name}
                    busy={busy === e.name}
                    formError={formError}
                    onStartRename={() => startNaming(e.name)}
                    onRename={(to) => void rename(e.name, to)}
                    onCancelRename={() => {
                      setNaming(null);
                      setFocus({ name: e.name });
                    }}
                    onDelete={() => void remove(e)}
                    onExpired={onExpired}
                  />
                ))}
              </tbody>
            </table>
          )}
          {listing.truncated && <p class="muted">Only the first {entries.length} entries are listed.</p>}
        </div>
      )}
    </section>
  );
}
