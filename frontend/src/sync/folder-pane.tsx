import type { CompareStatus, DirEntry, Instance } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatBytes, formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { statusWords } from "./compare-view.ts";
import { browseFolder, listRoots, type Listing, type Roots } from "./sync-api.ts";

export interface FolderChoice {
  instanceId: string | null;
  path: string | null;
}

interface FolderPaneProps {
  side: "source" | "destination";
  /** The instances the person may sync (sync: permission). */
  instances: Instance[];
  value: FolderChoice;
  onChange: (v: FolderChoice) => void;
  /** A browsed file's status in the latest compare, if it was part of it. */
  statusOf?: (folder: string, name: string) => CompareStatus | undefined;
  /** Changed after a sync: the folder is listed again. */
  refreshKey: number;
  onExpired: () => void;
}

const join = (folder: string, name: string) => `${folder.replace(/\/+$/, "")}/${name}`;
const parentOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";
const typeWords: Record<DirEntry["type"], string> = { file: "file", directory: "folder", symlink: "link", other: "other" };

/**
 * One side of the File sync screen: an instance, one of its project roots, and a folder under it,
 * browsed one level at a time. The folder shown is the one compared and synced.
 */
export function FolderPane({ side, instances, value, onChange, statusOf, refreshKey, onExpired }: FolderPaneProps) {
  // Kept with the instance they belong to: right after another instance is picked, the old ones are not its.
  const [rootsOf, setRootsOf] = useState<{ instanceId: string; roots: Roots["roots"] } | null>(null);
  const roots = rootsOf && rootsOf.instanceId === value.instanceId ? rootsOf.roots : null;
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const id = `sync-${side}`;
  const title = side === "source" ? "Source" : "Destination";
  const instance = instances.find((i) => i.id === value.instanceId) ?? null;
  // An offline agent cannot list its folders: asking would only fail (a 503 in the console).
  const offline = instance?.status === "offline";

  function fail(e: unknown, prefix: string) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  const inside = (path: string, rootPath: string) => path === rootPath || path.startsWith(`${rootPath.replace(/\/+$/, "")}/`);

  function loadRoots() {
    if (!value.instanceId || offline) return;
    const n = ++seq.current;
    const instanceId = value.instanceId;
    setListing(null);
    setError(null);
    listRoots(instanceId).then(
      (r) => n === seq.current && setRootsOf({ instanceId, roots: r.roots }),
      (e: unknown) => n === seq.current && fail(e, `Could not list ${instance?.name ?? "the instance"}'s folders`),
    );
  }

  function loadListing(path: string) {
    if (!value.instanceId) return;
    const n = ++seq.current;
    setError(null);
    browseFolder(value.instanceId, path).then(
      (l) => n === seq.current && setListing(l),
      (e: unknown) => {
        if (n !== seq.current) return;
        setListing(null);
        fail(e, `Could not open ${path}`);
      },
    );
  }

  // Again when the agent comes back, so the pane fills by itself.
  useEffect(loadRoots, [value.instanceId, offline]);
  useEffect(() => {
    if (!roots) return;
    // No folder yet, or one outside this instance's roots (another instance was picked): start at its first root.
    if (!value.path || !roots.some((r) => inside(value.path!, r.path))) {
      const first = roots.find((r) => r.exists) ?? roots[0];
      if (first) onChange({ instanceId: value.instanceId, path: first.path });
      return;
    }
    loadListing(value.path);
  }, [roots, value.path, refreshKey]);

  const root = (value.path && roots?.find((r) => inside(value.path!, r.path))) || null;
  const atRoot = !root || value.path === root.path;
  const go = (path: string) => onChange({ instanceId: value.instanceId, path });

  return (
    <section class="sync-pane stack-tight" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <div class="field">
        <label for={`${id}-instance`}>{title} instance</label>
        <select id={`${id}-instance`} value={value.instanceId ?? ""} onChange={(e) => onChange({ instanceId: e.currentTarget.value || null, path: null })}>
          <option value="">Choose an instance…</option>
          {instances.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
              {i.status === "offline" ? " (offline)" : ""}
            </option>
          ))}
        </select>
      </div>
      {roots && roots.length > 1 && (
        <div class="field">
          <label for={`${id}-root`}>{title} project root</label>
          <select id={`${id}-root`} value={root?.path ?? ""} onChange={(e) => go(e.currentTarget.value)}>
            {roots.map((r) => (
              <option key={r.path} value={r.path}>
                {r.path}
                {r.exists ? "" : " (missing)"}
              </option>
            ))}
          </select>
        </div>
      )}
      {error && (
        <Alert>
          <p>{error}</p>
          <button type="button" onClick={() => (roots && value.path ? loadListing(value.path) : loadRoots())}>
            Try again
          </button>
        </Alert>
      )}
      {instance && offline && !roots && (
        <p class="muted" role="status">
          {instance.name} is offline, so its folders cannot be listed right now. They appear by themselves when its agent reconnects.
        </p>
      )}
      {value.instanceId && roots?.length === 0 && <p class="muted">This agent has no project roots: add some under <code>roots:</code> in its config.yaml.</p>}
      {value.path && (
        <div class="sync-folder-line">
          <p>
            <span class="visually-hidden">{title} folder: </span>
            <code id={`${id}-path`}>{value.path}</code>
          </p>
          <button type="button" disabled={atRoot} onClick={() => value.path && go(parentOf(value.path))}>
            Up<span class="visually-hidden"> one folder ({title.toLowerCase()})</span>
          </button>
        </div>
      )}
      {value.path &&
        !error &&
        (listing === null || listing.path !== value.path ? (
          <p class="muted">Loading…</p>
        ) : listing.entries.length === 0 ? (
          <p class="muted">This folder is empty.</p>
        ) : (
          <div class="browse-scroll" role="region" aria-label={`${title} folder contents`} tabIndex={0}>
            <ul class="file-list browse-list">
              {listing.entries.map((e) => {
                const status = e.type === "file" ? statusOf?.(listing.path, e.name) : undefined;
                return (
                  <li key={e.name}>
                    {e.type === "directory" ? (
                      <button type="button" class="link file-path" onClick={() => go(join(listing.path, e.name))}>
                        {e.name}/<span class="visually-hidden"> (open folder)</span>
                      </button>
                    ) : (
                      <span class="file-path">
                        {e.name}
                        {e.type !== "file" && <span class="file-status"> ({typeWords[e.type]})</span>}
                      </span>
                    )}
                    {e.type === "file" && <span class="file-status">{formatBytes(e.size)}</span>}
                    <time class="file-status" dateTime={e.mtime}>
                      {formatDate(e.mtime)}
                    </time>
                    {status && <StateBadge label={statusWords[status].label} tone={statusWords[status].tone} />}
                  </li>
                );
              })}
            </ul>
            {listing.truncated && <p class="muted">Only the first {listing.entries.length} entries are listed.</p>}
          </div>
        ))}
    </section>
  );
}
