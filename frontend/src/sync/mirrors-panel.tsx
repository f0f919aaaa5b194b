import type { Instance, Mirror } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ConfirmAction } from "../confirm-action.tsx";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { useHubListener, type Hub } from "../instances/use-events.ts";
import { useListActions } from "../use-list-actions.ts";
import { summaryWords, type SyncRequest } from "./compare-view.ts";
import { MirrorForm } from "./mirror-form.tsx";
import { applyMirrorEvent, directionWords, intervalWords, mirrorStateNow } from "./mirror-view.ts";
import { checkMirror, deleteMirror, listMirrors, syncMirror } from "./mirrors-api.ts";

interface MirrorsPanelProps {
  hub: Hub;
  instances: Instance[];
  /** The folders chosen on the screen: a new mirror keeps them. */
  request: SyncRequest | null;
  onExpired: () => void;
}

const When = ({ iso, never }: { iso: string | null; never: string }) => (iso ? <time dateTime={iso}>{formatDate(iso)}</time> : <>{never}</>);

/**
 * Push and pull mirrors: each with its state (in sync, needs sync, stale, syncing, error), its last
 * check and last sync; check now, sync now, delete; a new one from the folders chosen above. Kept
 * current by `cloud:mirror` events (and a running mirror sync's files by `cloud:sync-activity`).
 */
export function MirrorsPanel({ hub, instances, request, onExpired }: MirrorsPanelProps) {
  const { items: mirrors, setItems: setMirrors, error, notice, setNotice, busyId, act: actOn, reload: load } = useListActions(listMirrors, onExpired);
  const [creating, setCreating] = useState(false);
  /** Files done of a mirror's running sync, by operation id. */
  const [running, setRunning] = useState<Record<string, { done: number; total: number }>>({});
  const headingRef = useRef<HTMLHeadingElement>(null);
  const newButtonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (hub.connection > 1) load();
  }, [hub.connection]);

  useHubListener(hub, (e) => {
    if (e.type === "cloud:sync-activity") {
      setRunning((r) => (e.operationId in r || mirrors?.some((m) => m.last_operation_id === e.operationId) ? { ...r, [e.operationId]: e.files } : r));
      return;
    }
    if (e.type !== "cloud:mirror" || !mirrors) return;
    const next = applyMirrorEvent(mirrors, e);
    if (next === "reload") load();
    else setMirrors(next);
  });

  const nameOf = (id: string) => instances.find((i) => i.id === id)?.name ?? id;
  const replace = (m: Mirror) => setMirrors((list) => list?.map((x) => (x.id === m.id ? m : x)) ?? null);

  const act = (m: Mirror, run: () => Promise<string>) => actOn(m.id, run);

  const check = (m: Mirror) =>
    act(m, async () => {
      const r = await checkMirror(m);
      replace(r.mirror);
      return r.pending === 0 ? `Checked “${m.name}”: in sync.` : `Checked “${m.name}”: ${r.pending} file${r.pending === 1 ? "" : "s"} to sync.`;
    });
  const sync = (m: Mirror) =>
    act(m, async () => {
      const r = await syncMirror(m);
      replace(r.mirror);
      setRunning((x) => ({ ...x, [r.operationId]: x[r.operationId] ?? { done: 0, total: 0 } }));
      return `Sync of “${m.name}” started.`;
    });
  const remove = (m: Mirror) =>
    act(m, async () => {
      await deleteMirror(m);
      setMirrors((list) => list?.filter((x) => x.id !== m.id) ?? null);
      headingRef.current?.focus();
      return `Mirror “${m.name}” deleted. Its files stay where they are.`;
    });

  function saved(m: Mirror) {
    setCreating(false);
    setMirrors((list) => (list ? [...list.filter((x) => x.id !== m.id), m] : [m]));
    setNotice(`Mirror “${m.name}” saved.`);
    requestAnimationFrame(() => newButtonRef.current?.focus());
  }

  const now = Date.now();
  return (
    <section class="card" aria-labelledby="mirrors-title">
      <div class="section-head">
        <h2 id="mirrors-title" ref={headingRef} tabIndex={-1}>
          Mirrors
        </h2>
        {!creating && (
          <button type="button" ref={newButtonRef} disabled={!request} onClick={() => (setNotice(null), setCreating(true))}>
            Mirror the folders chosen above
          </button>
        )}
      </div>
      <p class="muted section-intro">
        Folders kept copied from one instance to another, checked on a schedule and when the source's agent sees a change.
      </p>
      {error && (
        <Alert>
          <p>{`Mirrors: ${error}`}</p>
          {mirrors === null && (
            <button type="button" onClick={load}>
              Try again
            </button>
          )}
        </Alert>
      )}
      {notice && <Notice text={notice} />}
      {creating && request && <MirrorForm request={request} instances={instances} onSaved={saved} onCancel={() => (setCreating(false), requestAnimationFrame(() => newButtonRef.current?.focus()))} onExpired={onExpired} />}
      {mirrors === null ? (
        !error && <p class="muted">Loading mirrors…</p>
      ) : mirrors.length === 0 ? (
        <p class="muted">No mirrors yet. Choose two folders above, then mirror them.</p>
      ) : (
        <ul class="token-list mirror-list" aria-label="Mirrors">
          {mirrors.map((m) => {
            const s = mirrorStateNow(m, now);
            const op = s.state === "syncing" && m.last_operation_id ? running[m.last_operation_id] : undefined;
            return (
              <li key={m.id}>
                <div class="session-main stack-tight">
                  <p class="action-line">
                    <span class="device">{m.name}</span>
                    <span class="badge">{directionWords[m.direction]}</span>
                    <StateBadge label={s.label} tone={s.tone} />
                  </p>
                  <p class="mirror-folders">
                    <code>
                      {nameOf(m.sourceInstanceId)}:{m.sourcePath}
                    </code>{" "}
                    →{" "}
                    <code>
                      {nameOf(m.destinationInstanceId)}:{m.targetPath}
                    </code>
                  </p>
                  <p class="muted">
                    Last checked <When iso={m.last_check_at} never="never" /> · Last synced <When iso={m.last_sync_at} never="never" /> · checked{" "}
                    {intervalWords(m.intervalSeconds)}
                    {m.autoSync ? " · syncs by itself" : ""}
                    {m.options.delete ? " · removes files only on the destination" : ""}
                  </p>
                  {op && op.total > 0 && (
                    <p class="muted">
                      {op.done} of {op.total} files sent
                    </p>
                  )}
                  {m.last_summary && s.state !== "syncing" && <p class="muted">Last check: {summaryWords(m.last_summary)}</p>}
                  {s.state === "error" && m.last_error && <p class="bad">{m.last_error}</p>}
                  {s.state === "stale" && <p class="muted">Not checked within twice its interval: its agents may be offline.</p>}
                </div>
                <div class="button-row">
                  <button type="button" disabled={busyId === m.id} onClick={() => void check(m)}>
                    Check now<span class="visually-hidden"> {m.name}</span>
                  </button>
                  <button type="button" disabled={busyId === m.id || s.state === "syncing"} onClick={() => void sync(m)}>
                    Sync now<span class="visually-hidden"> {m.name}</span>
                  </button>
                  <ConfirmAction
                    label="Delete"
                    subject={`mirror ${m.name}`}
                    busyLabel="Deleting…"
                    question={`Delete “${m.name}”? Its files stay where they are.`}
                    confirmLabel="Yes, delete"
                    busy={busyId === m.id}
                    onConfirm={() => void remove(m)}
                  />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
