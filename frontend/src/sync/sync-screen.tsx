import type { CompareResult, CompareStatus, Instance } from "@anchorage/common";
import { useMemo, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatBytes } from "../format.ts";
import { LiveIndicator } from "../instances/live-indicator.tsx";
import type { Hub } from "../instances/use-events.ts";
import { CompareResults } from "./compare-results.tsx";
import { browsedStatus, initialChoice, isRefusal, keepChoosable, planChoice, planWords, setChosen, type SyncRequest } from "./compare-view.ts";
import { FolderPane, type FolderChoice } from "./folder-pane.tsx";
import { MirrorsPanel } from "./mirrors-panel.tsx";
import { compareFolders } from "./sync-api.ts";
import { SyncProgressView } from "./sync-progress-view.tsx";
import { useSyncRun } from "./use-sync-run.ts";

interface SyncScreenProps {
  hub: Hub;
  /** The instances list (live): those with sync: permission can be either side. */
  instances: Instance[] | null;
  onExpired: () => void;
  /** The instance picked on the left until someone picks another (the instance page's Sync tab). */
  initialSource?: string;
  /** 1 where the screen is the page (its title is the page's <h1>). */
  level?: 1 | 2;
}

const canSync = (i: Instance) => i.permissions.includes("sync:cloud_instance");
const RELATION_ORDER: Record<Instance["relation"], number> = { owner: 0, shared: 1, admin: 2 };
const globs = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const sameRequest = (a: SyncRequest, b: SyncRequest) => JSON.stringify(a) === JSON.stringify(b);

/**
 * File sync (issue #8): a folder on one instance and one on another side by side, browsed level by
 * level; a compare lists every file (identical ones as synced); the files chosen from it are synced
 * with each one's state and the overall progress following the event socket. Below it, the mirrors
 * (kept pairs of folders), a new one made from the two folders chosen here.
 */
export function SyncScreen({ hub, instances, onExpired, initialSource, level = 2 }: SyncScreenProps) {
  const Heading = level === 1 ? "h1" : "h2";
  const syncable = instances?.filter(canSync) ?? [];
  const [source, setSource] = useState<FolderChoice>({ instanceId: null, path: null });
  const [destination, setDestination] = useState<FolderChoice>({ instanceId: null, path: null });
  const [exclude, setExclude] = useState("");
  const [remove, setRemove] = useState(false);
  const [compared, setCompared] = useState<{ request: SyncRequest; result: CompareResult } | null>(null);
  const [chosen, setChosenState] = useState<Set<string>>(new Set());
  const [comparing, setComparing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);

  // Until someone picks, the first instance on the left and the next one on the right, the
  // person's own before those shared with them (an admin's list holds everyone's machines too).
  const preferred = [...syncable].sort((a, b) => RELATION_ORDER[a.relation] - RELATION_ORDER[b.relation]);
  const first = syncable.find((i) => i.id === initialSource) ?? preferred[0];
  const src = source.instanceId ? source : { instanceId: first?.id ?? null, path: null };
  const dst = destination.instanceId ? destination : { instanceId: (preferred.find((i) => i !== first) ?? first)?.id ?? null, path: null };

  const request: SyncRequest | null =
    src.instanceId && dst.instanceId && src.path && dst.path
      ? { sourceInstanceId: src.instanceId, destinationInstanceId: dst.instanceId, sourcePath: src.path, targetPath: dst.path, options: { exclude: globs(exclude), delete: remove } }
      : null;

  const run = useSyncRun(hub, onExpired, () => {
    // Show what is on both sides now, however it ended: listings again, and the same compare again
    // (files it did not reach stay chosen, so running it again picks up where it stopped).
    setRefreshKey((n) => n + 1);
    if (compared) void compare(compared.request, false);
  });
  const running = run.progress?.state === "running" || run.starting;

  async function compare(req: SyncRequest, fresh = true) {
    setComparing(true);
    setError(null);
    try {
      const result = await compareFolders(req);
      setCompared({ request: req, result });
      setChosenState((prev) => (fresh ? initialChoice(result.files) : keepChoosable(prev, result.files, req.options.delete)));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      const fields = e instanceof ApiError && e.fields.length ? ` (${e.fields.map((f) => `${f.path}: ${f.message}`).join("; ")})` : "";
      setError(`Could not compare: ${e instanceof Error ? e.message : "something went wrong."}${fields}`);
    } finally {
      setComparing(false);
    }
  }

  function changeRemove(on: boolean) {
    setRemove(on);
    if (compared) setChosenState((c) => keepChoosable(c, compared.result.files, on));
  }

  // Statuses by relative path, for the files each side's listing shows.
  const byPath = useMemo(() => new Map<string, CompareStatus>(compared?.result.files.map((f) => [f.path, f.status]) ?? []), [compared]);
  const statusOn = (side: "source" | "destination") => {
    if (!compared) return undefined;
    const r = compared.request;
    const [instanceId, root] = side === "source" ? [r.sourceInstanceId, r.sourcePath] : [r.destinationInstanceId, r.targetPath];
    const choice = side === "source" ? src : dst;
    if (choice.instanceId !== instanceId) return undefined;
    return (folder: string, name: string) => browsedStatus(byPath, root, folder, name);
  };

  // The sync sends the compared folders with the options as they are now (remove may be ticked after comparing).
  const syncRequest = compared ? { ...compared.request, options: { exclude: compared.request.options.exclude, delete: remove } } : null;
  const plan = compared ? planChoice(compared.result, chosen, remove) : null;
  const stale = compared && request && !sameRequest({ ...compared.request, options: { ...compared.request.options, delete: remove } }, request);
  const nothingChosen = !plan || isRefusal(plan) || plan.transfer.length + plan.remove.length === 0;
  const nameOf = (id: string) => instances?.find((i) => i.id === id)?.name ?? id;

  return (
    <>
      <section class="card stack" aria-labelledby="sync-title">
        <div class="section-head">
          <Heading id="sync-title" tabIndex={-1}>
            File sync
          </Heading>
          <LiveIndicator state={hub.state} />
        </div>
        <p class="muted section-intro">Compare a folder on one instance with a folder on another, and send what differs.</p>
        {instances === null ? (
          <p class="muted">Loading instances…</p>
        ) : syncable.length === 0 ? (
          <p class="muted">No instance you may sync. Anchor one, or ask its owner for a share with “Sync files”.</p>
        ) : (
          <>
            <div class="sync-sides">
              <FolderPane side="source" instances={syncable} value={src} onChange={setSource} statusOf={statusOn("source")} refreshKey={refreshKey} onExpired={onExpired} />
              <FolderPane side="destination" instances={syncable} value={dst} onChange={setDestination} statusOf={statusOn("destination")} refreshKey={refreshKey} onExpired={onExpired} />
            </div>
            <form
              class="stack-tight sync-options"
              aria-label="Compare folders"
              onSubmit={(e) => {
                e.preventDefault();
                if (request) void compare(request);
              }}
            >
              <div class="field">
                <label for="sync-exclude">
                  Leave out<span class="optional"> (optional)</span>
                </label>
                <p id="sync-exclude-hint" class="hint">
                  Globs, one a line, like .gitignore: <code>*.log</code>, <code>build/</code>. The agent's own <code>sync.exclude</code> always applies.
                </p>
                <textarea id="sync-exclude" rows={2} value={exclude} aria-describedby="sync-exclude-hint" onInput={(e) => setExclude(e.currentTarget.value)} />
              </div>
              <label class="check">
                <input type="checkbox" checked={remove} disabled={running} onChange={(e) => changeRemove(e.currentTarget.checked)} />
                Also remove files only on the destination (moved into its backup folder)
              </label>
              <button type="submit" class="primary" disabled={!request || comparing || running}>
                {comparing ? "Comparing…" : compared ? "Compare again" : "Compare"}
              </button>
            </form>
            {error && <Alert>{error}</Alert>}
            {compared && syncRequest && (
              <section class="stack-tight" aria-labelledby="sync-compare-title">
                <h3 id="sync-compare-title">
                  {nameOf(compared.request.sourceInstanceId)}:<code>{compared.request.sourcePath}</code> → {nameOf(compared.request.destinationInstanceId)}:
                  <code>{compared.request.targetPath}</code>
                </h3>
                {stale && <p class="warning">The folders or options chosen above changed since this compare: compare again to sync those.</p>}
                <CompareResults
                  result={compared.result}
                  chosen={chosen}
                  remove={remove}
                  disabled={running}
                  onChoose={(paths, on) => setChosenState((c) => setChosen(c, paths, on))}
                />
                {plan && isRefusal(plan) && <Alert>{`This sync would be refused: ${plan.message}`}</Alert>}
                <div class="button-row">
                  <button
                    type="button"
                    class="primary"
                    disabled={nothingChosen || running}
                    onClick={() => plan && !isRefusal(plan) && void run.start(syncRequest, plan)}
                  >
                    {run.starting ? "Starting…" : "Sync chosen files"}
                  </button>
                  <span class="muted">{plan && !isRefusal(plan) ? planWords(plan, formatBytes) : ""}</span>
                </div>
              </section>
            )}
            {run.error && <Alert>{run.error}</Alert>}
            {run.progress && <SyncProgressView progress={run.progress} onCancel={() => void run.cancel()} onClose={run.dismiss} />}
          </>
        )}
      </section>
      {syncable.length > 0 && <MirrorsPanel hub={hub} instances={syncable} request={request} onExpired={onExpired} />}
    </>
  );
}
