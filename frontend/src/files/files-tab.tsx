import type { Instance } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { useAppData } from "../shell/app-data.tsx";
import { paths } from "../shell/routes.ts";
import { crumbsOf, filesAddress, isInside, joinPath } from "./file-paths.ts";
import { FileView } from "./file-view.tsx";
import { browseFolder, listRoots, type Listing, type Roots } from "./files-api.ts";
import { FolderView, type FolderFocus } from "./folder-view.tsx";
import { useUploads } from "./use-uploads.ts";

/**
 * The instance's files (issue #21): its project roots, browsed folder by folder, a file opened to
 * read or edit, uploads, downloads, new folders, renames and deletes. The folder and the open file
 * are in the address (`?path=/srv/app/src&file=app.ts`), so a reload or a shared link opens the
 * same place and Back goes to the folder before.
 */
export function FilesTab({ instance }: { instance: Instance }) {
  const { onExpired } = useAppData();
  const { query, route } = useLocation();
  const tabPath = paths.instance(instance.id, "files");
  const folder = query.path?.replace(/(.)\/+$/, "$1") ?? null;
  const file = query.file ?? null;
  const canWrite = instance.permissions.includes("sync:cloud_instance");
  const [roots, setRoots] = useState<Roots["roots"] | null>(null);
  const [rootsError, setRootsError] = useState<string | null>(null);
  const [listing, setListing] = useState<Listing | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const seq = useRef(0);
  // Where focus goes when a folder is shown: nowhere on arrival (the page's heading has it), then
  // the folder's heading after moving between folders, or the row of the file just closed.
  const shown = useRef<{ folder: string | null; file: string | null } | null>(null);
  const focusFor = useRef<FolderFocus>(null);
  const uploads = useUploads(instance.id, (to) => to === folder && list(to), onExpired);

  const fail = (e: unknown, prefix: string, set: (m: string) => void) => {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    set(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  };

  function loadRoots() {
    setRootsError(null);
    listRoots(instance.id).then(
      (r) => setRoots(r.roots),
      (e: unknown) => fail(e, `Could not list ${instance.name}'s folders`, setRootsError),
    );
  }

  function list(path: string) {
    const n = ++seq.current;
    setListError(null);
    browseFolder(instance.id, path).then(
      (l) => n === seq.current && setListing(l),
      (e: unknown) => n === seq.current && fail(e, `Could not open ${path}`, setListError),
    );
  }

  useEffect(loadRoots, [instance.id]);

  const root = (folder && roots?.find((r) => isInside(folder, r.path))) || null;

  // No folder in the address, or one outside the roots: the first root that exists (in place of the address, not a new entry).
  useEffect(() => {
    if (!roots || root) return;
    const first = roots.find((r) => r.exists) ?? roots[0];
    if (first) route(filesAddress(tabPath, first.path), true);
  }, [roots, root]);

  useEffect(() => {
    if (root && folder) list(folder);
  }, [root?.path, folder]);

  // What the folder view focuses when it appears.
  const before = shown.current;
  if (!before || before.folder !== folder || before.file !== file) {
    focusFor.current = !before || before.folder === null ? null : before.file && !file && before.folder === folder ? { name: before.file } : "heading";
    shown.current = { folder, file };
  }
  const arrived = before === null || before.folder === null;

  if (rootsError)
    return (
      <Alert>
        <p>{rootsError}</p>
        <button type="button" onClick={loadRoots}>
          Try again
        </button>
      </Alert>
    );
  if (!roots) return <p class="muted">Loading…</p>;
  if (roots.length === 0)
    return (
      <p class="muted">
        {instance.name} has no project roots: add folders under <code>roots:</code> in its agent's config.yaml (see the Config tab).
      </p>
    );
  if (!root || !folder) return <p class="muted">Loading…</p>;

  const entry = file && listing?.path === folder ? listing.entries.find((e) => e.name === file) : undefined;
  const go = (path: string) => route(filesAddress(tabPath, path));

  return (
    <div class="files-tab stack">
      <div class="files-location">
        {roots.length > 1 && (
          <div class="field files-root">
            <label for="files-root">Project root</label>
            <select id="files-root" value={root.path} onChange={(e) => go(e.currentTarget.value)}>
              {roots.map((r) => (
                <option key={r.path} value={r.path}>
                  {r.path}
                  {r.exists ? "" : " (missing)"}
                </option>
              ))}
            </select>
          </div>
        )}
        <nav aria-label="Folder path" class="files-crumbs">
          <ol>
            {crumbsOf(root.path, folder).map((c, n, all) => (
              <li key={c.path}>
                {n === all.length - 1 && !file ? (
                  <span aria-current="page">{c.name}</span>
                ) : (
                  <a href={filesAddress(tabPath, c.path)}>{c.name}</a>
                )}
              </li>
            ))}
            {file && (
              <li>
                <span aria-current="page">{file}</span>
              </li>
            )}
          </ol>
        </nav>
      </div>
      {!root.exists && <Alert>{root.path} does not exist on the machine (is a disk unmounted?).</Alert>}
      {file ? (
        <FileView
          key={joinPath(folder, file)}
          instance={instance}
          path={joinPath(folder, file)}
          entry={entry}
          canWrite={canWrite}
          tabPath={tabPath}
          folder={folder}
          focusOnOpen={!arrived}
          onSaved={() => list(folder)}
          onExpired={onExpired}
        />
      ) : (
        <FolderView
          key={folder}
          instance={instance}
          folder={folder}
          listing={listing}
          loadError={listError}
          canWrite={canWrite}
          tabPath={tabPath}
          initialFocus={focusFor.current}
          uploads={uploads}
          onReload={() => list(folder)}
          onExpired={onExpired}
        />
      )}
    </div>
  );
}
