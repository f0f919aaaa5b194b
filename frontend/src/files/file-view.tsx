import type { DirEntry, Instance } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import { formatBytes, formatDate } from "../format.ts";
import { DownloadLink } from "./download-link.tsx";
import type { EditorHandle, FileEditor } from "./file-editor.tsx";
import { imageTypeOf, languageOf, textOf } from "./file-kinds.ts";
import { baseName, filesAddress } from "./file-paths.ts";
import { FILE_MAX_BYTES, readFile, writeFile } from "./files-api.ts";
import { useUnsavedGuard } from "./unsaved-guard.ts";
import { LIMIT_WORDS } from "./use-uploads.ts";

type Loaded =
  | { kind: "loading" }
  | { kind: "text"; text: string; sha256: string }
  | { kind: "image"; url: string; size: number }
  | { kind: "binary"; size: number }
  | { kind: "too-large"; size: number | null }
  | { kind: "error"; message: string; notAFile: boolean };

interface FileViewProps {
  instance: Instance;
  path: string;
  /** The file's entry in its folder's listing, once listed (its size spares reading a file too large to open). */
  entry: DirEntry | undefined;
  canWrite: boolean;
  tabPath: string;
  folder: string;
  /** Focus the file's heading (it was opened from the folder; on arriving by its address the page's heading has focus). */
  focusOnOpen: boolean;
  /** A save changed the file: its folder's listing is read again. */
  onSaved: () => void;
  onExpired: () => void;
}

/**
 * One opened file: text in the editor (saved with If-Match of the version read, so a file changed
 * on the machine meanwhile is never overwritten silently: the person chooses), an image as an
 * <img> of a blob: URL, anything else offered for download only.
 */
export function FileView({ instance, path, entry, canWrite, tabPath, folder, focusOnOpen, onSaved, onExpired }: FileViewProps) {
  const { url } = useLocation();
  const name = baseName(path);
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  const [Editor, setEditor] = useState<typeof FileEditor | null>(null);
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<"changed" | "changed-again" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const editor = useRef<EditorHandle>(null);
  const sha = useRef("");
  // One write at a time, even for two key presses before a render.
  const writing = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const conflictText = useRef<HTMLParagraphElement>(null);
  const tooLargeKnown = entry !== undefined && entry.size > FILE_MAX_BYTES;
  useUnsavedGuard(dirty, url);

  useEffect(() => {
    if (focusOnOpen) heading.current?.focus();
  }, []);

  function failed(e: unknown, prefix: string) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  // Read once: a reload of the listing (after a save) does not read the file again under the editor.
  useEffect(() => {
    if (tooLargeKnown) return setLoaded({ kind: "too-large", size: entry.size });
    let gone = false;
    let objectUrl: string | null = null;
    const image = imageTypeOf(name);
    readFile(instance.id, path).then(
      ({ bytes, sha256 }) => {
        if (gone) return;
        sha.current = sha256;
        if (image) {
          objectUrl = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: image }));
          return setLoaded({ kind: "image", url: objectUrl, size: bytes.length });
        }
        const text = textOf(bytes);
        if (text === null) return setLoaded({ kind: "binary", size: bytes.length });
        setLoaded({ kind: "text", text, sha256 });
        import("./file-editor.tsx").then(
          (m) => !gone && setEditor(() => m.FileEditor),
          (e: unknown) => !gone && failed(e, "Could not load the editor"),
        );
      },
      (e: unknown) => {
        if (gone) return;
        if (e instanceof ApiError && e.status === 401) return onExpired();
        if (e instanceof ApiError && e.status === 413) return setLoaded({ kind: "too-large", size: entry?.size ?? null });
        setLoaded({ kind: "error", message: e instanceof Error ? e.message : "something went wrong.", notAFile: e instanceof ApiError && e.code === "E-VALIDATION" });
      },
    );
    return () => {
      gone = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [path, tooLargeKnown]);

  useEffect(() => {
    if (conflict) conflictText.current?.focus();
  }, [conflict]);

  /** Writes the editor's text over the version `over` (the one read, or the one re-read to overwrite). */
  async function save(over = sha.current) {
    const text = editor.current?.text();
    if (!canWrite || writing.current || text === undefined) return;
    const body = new Blob([text]);
    if (body.size > FILE_MAX_BYTES) return setError(`Not saved: the text is ${formatBytes(body.size)}, over the ${LIMIT_WORDS} a file written from here may have.`);
    writing.current = true;
    setSaving(true);
    setError(null);
    setNotice(null);
    try {
      const r = await writeFile(instance.id, path, body, { ifMatch: over });
      sha.current = r.sha256;
      editor.current?.markSaved(text);
      setConflict(null);
      setNotice(`Saved ${name}.${r.backup ? ` The previous version is kept at ${r.backup}.` : ""}`);
      onSaved();
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) setConflict(over === sha.current ? "changed" : "changed-again");
      else failed(e, `Could not save ${name}`);
    } finally {
      writing.current = false;
      setSaving(false);
    }
  }

  /** Discards the edits: the machine's version replaces them. */
  async function reloadTheirs() {
    setError(null);
    try {
      const { bytes, sha256 } = await readFile(instance.id, path);
      const text = textOf(bytes);
      if (text === null) return setError(`${name} is no longer text on the machine: download it instead.`);
      sha.current = sha256;
      editor.current?.reset(text);
      setConflict(null);
      setNotice(`Reloaded ${name} as it is on the machine now; your changes were discarded.`);
      editor.current?.focus();
    } catch (e) {
      failed(e, `Could not read ${name} again`);
    }
  }

  /** Replaces their version with mine, after a confirmation: read it again for its ETag, then write over exactly that. */
  async function overwrite() {
    setError(null);
    try {
      const current = await readFile(instance.id, path);
      await save(current.sha256);
    } catch (e) {
      failed(e, `Could not read ${name} again`);
    }
  }

  // The listing's size is read again after each save; before it arrives, the bytes read say it.
  const size = entry?.size ?? (loaded.kind === "image" || loaded.kind === "binary" ? loaded.size : loaded.kind === "text" ? new Blob([loaded.text]).size : null);
  const download = (
    <DownloadLink class="button" instanceId={instance.id} path={path} name={name} onExpired={onExpired}>
      Download<span class="visually-hidden"> {name}</span>
    </DownloadLink>
  );

  return (
    <section
      class="files-file stack-tight"
      aria-labelledby="files-file-title"
      onKeyDown={(e) => {
        // Ctrl+S anywhere in the file's view (the editor handles its own).
        if (!e.defaultPrevented && (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s" && loaded.kind === "text") {
          e.preventDefault();
          void save();
        }
      }}
    >
      <div class="section-head">
        <h2 id="files-file-title" ref={heading} tabIndex={-1}>
          {name}
          {dirty && <span class="files-unsaved"> (unsaved changes)</span>}
        </h2>
        <div class="button-row">
          {loaded.kind === "text" && canWrite && (
            <button type="button" class="primary" onClick={() => void save()} disabled={saving || !Editor} aria-keyshortcuts="Control+S">
              {saving ? "Saving…" : "Save"}
            </button>
          )}
          {loaded.kind !== "too-large" && download}
          <a class="button" href={filesAddress(tabPath, folder)}>
            Close<span class="visually-hidden"> {name}</span>
          </a>
        </div>
      </div>
      <p class="muted files-file-facts">
        <code>{path}</code>
        {size !== null && ` · ${formatBytes(size)}`}
        {entry && ` · modified ${formatDate(entry.mtime)}`}
      </p>
      {loaded.kind === "text" && (
        <p class="muted" role="status">
          {!canWrite ? "Read only: you may read this instance's files, not change them." : dirty ? "Unsaved changes. Save with Ctrl+S." : "No unsaved changes."}
        </p>
      )}
      {conflict && (
        <Alert>
          <p ref={conflictText} tabIndex={-1}>
            <strong>{name} changed on the machine since you opened it{conflict === "changed-again" ? ", and again while you chose" : ""}.</strong> Your changes are not saved: nothing on the machine
            was replaced.
          </p>
          <div class="button-row">
            <button type="button" onClick={() => void reloadTheirs()}>
              Reload theirs (discard my changes)
            </button>
            <ConfirmAction
              label="Overwrite with mine"
              subject={name}
              busyLabel="Overwriting…"
              busy={saving}
              question={`Replace ${name} on the machine with your version? The version there now is kept in the root's backup folder (.anchorage-backups).`}
              confirmLabel="Overwrite"
              onConfirm={() => void overwrite()}
            />
          </div>
        </Alert>
      )}
      {error && (
        <Alert>
          <p>{error}</p>
        </Alert>
      )}
      {notice && <Notice text={notice} />}
      {loaded.kind === "loading" && <p class="muted">Loading…</p>}
      {loaded.kind === "text" &&
        (Editor ? (
          <Editor
            initial={loaded.text}
            language={languageOf(name)}
            readOnly={!canWrite}
            label={`Contents of ${name}`}
            onDirtyChange={setDirty}
            onSave={() => void save()}
            handle={editor}
          />
        ) : (
          <p class="muted">Loading the editor…</p>
        ))}
      {loaded.kind === "image" && <img class="files-image" src={loaded.url} alt={name} />}
      {loaded.kind === "binary" && <p>{name} is not text, so it is not shown here: download it to open it.</p>}
      {loaded.kind === "too-large" && (
        <p>
          {name} is {loaded.size === null ? "larger than 1 MiB" : formatBytes(loaded.size)}: the dashboard opens, downloads and uploads files of up to {LIMIT_WORDS}. Copy larger ones to
          another machine with <a href="/sync">File sync</a>.
        </p>
      )}
      {loaded.kind === "error" && (
        <Alert>
          <p>
            Could not open {name}: {loaded.message}
          </p>
          {loaded.notAFile && (
            <p>
              <a href={filesAddress(tabPath, path)}>Open {name} as a folder</a>
            </p>
          )}
        </Alert>
      )}
    </section>
  );
}
