import type { Instance } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { StateBadge } from "../instances/labels.tsx";
import { useHubListener, type Hub } from "../instances/use-events.ts";
import { CopyButton } from "./copy-button.tsx";
import { PauseProxyForm } from "./pause-proxy-form.tsx";
import { listProxies, renameProxy, toggleProxy } from "./proxies-api.ts";
import { RenameProxyForm } from "./rename-proxy-form.tsx";
import { accessLabel, canToggleProxy, eventChangesProxies, proxyLinks, proxyState, type Proxy } from "./proxy-view.ts";

interface ProxiesSectionProps {
  hub: Hub;
  /** The instances list (live): each proxy's instance status and the person's permissions on it. */
  instances: Instance[] | null;
  onExpired: () => void;
  /** Only this instance's proxy (the instance page's Proxy tab). */
  instanceId?: string;
  /** 1 where the section is the page (its title is the page's <h1>). */
  level?: 1 | 2;
}

const rowId = (p: Proxy) => `proxy-${p.instance_id}`;

/**
 * Every proxy the person may reach: its addresses (copy, open), who may visit, its state, and
 * pause (with a reason) or resume for those who manage the instance. Fetched again when the event
 * socket says an agent connected or dropped, never on a timer.
 */
export function ProxiesSection({ hub, instances, onExpired, instanceId, level = 2 }: ProxiesSectionProps) {
  const Heading = level === 1 ? "h1" : "h2";
  const [proxies, setProxies] = useState<Proxy[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pausing, setPausing] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; reason?: string; slug?: string; message?: string } | null>(null);
  const loadSeq = useRef(0);
  const refetchedFor = useRef(new Set<string>());

  function fail(e: unknown, prefix: string) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  function load() {
    const n = ++loadSeq.current;
    listProxies().then(
      (list) => {
        if (n !== loadSeq.current) return;
        setProxies(list);
        setError(null);
      },
      (e: unknown) => n === loadSeq.current && fail(e, "Could not load proxies"),
    );
  }

  useEffect(load, []);
  useEffect(() => {
    if (hub.connection > 1) load();
  }, [hub.connection]);
  // An instance added to or gone from the list (anchored, shared, unshared, deleted).
  const instanceKey = instances ? instances.map((i) => i.id).join(",") : null;
  const lastKey = useRef<string | null>(null);
  useEffect(() => {
    if (instanceKey === null) return;
    if (lastKey.current !== null && lastKey.current !== instanceKey) load();
    lastKey.current = instanceKey;
  }, [instanceKey]);

  const known = new Set(instances?.map((i) => i.id) ?? []);
  useHubListener(hub, (e) => {
    if (!eventChangesProxies(e, known)) return;
    if (!known.has(e.instanceId)) {
      // Not in the instances list yet: that list fetches itself again; once is enough here too.
      if (refetchedFor.current.has(e.instanceId)) return;
      refetchedFor.current.add(e.instanceId);
    }
    load();
  });

  const focusToggle = (p: Proxy) => requestAnimationFrame(() => document.getElementById(`${rowId(p)}-toggle`)?.focus());

  async function toggle(p: Proxy, pause: boolean, reason?: string) {
    setBusyId(p.instance_id);
    setRowError(null);
    setNotice(null);
    try {
      const updated = await toggleProxy(p.instance_id, pause, reason);
      setProxies((list) => list?.map((x) => (x.instance_id === updated.instance_id ? updated : x)) ?? null);
      setPausing(null);
      setNotice(pause ? `Proxy “${p.slug}” paused.` : `Proxy “${p.slug}” resumed.`);
      focusToggle(p);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      const message = e instanceof Error ? e.message : "Something went wrong.";
      const reasonField = e instanceof ApiError ? e.fields.find((f) => f.path === "reason")?.message : undefined;
      setRowError({ id: p.instance_id, ...(reasonField ? { reason: reasonField } : { message }) });
    } finally {
      setBusyId(null);
    }
  }

  async function rename(p: Proxy, slug: string | null) {
    setBusyId(p.instance_id);
    setRowError(null);
    setNotice(null);
    try {
      const updated = await renameProxy(p.instance_id, slug);
      setProxies((list) => list?.map((x) => (x.instance_id === updated.instance_id ? updated : x)) ?? null);
      setRenaming(null);
      setNotice(
        slug === null
          ? `Proxy “${updated.slug}” goes back to the name in its agent's config when the agent next connects.`
          : updated.slug === p.slug
            ? `Proxy “${p.slug}” keeps its name.`
            : `Proxy “${p.slug}” renamed to “${updated.slug}”.`,
      );
      requestAnimationFrame(() => document.getElementById(`${rowId(p)}-rename`)?.focus());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      const message = e instanceof Error ? e.message : "Something went wrong.";
      // Taken (409) or not a name the server takes (400 naming the field): said beside the field.
      const slugError = e instanceof ApiError ? (e.status === 409 ? e.message : e.fields.find((f) => f.path === "slug")?.message) : undefined;
      setRowError({ id: p.instance_id, ...(slugError ? { slug: slugError } : { message }) });
    } finally {
      setBusyId(null);
    }
  }

  function cancelRename(p: Proxy) {
    setRenaming(null);
    setRowError(null);
    requestAnimationFrame(() => document.getElementById(`${rowId(p)}-rename`)?.focus());
  }

  function cancelPause(p: Proxy) {
    setPausing(null);
    setRowError(null);
    focusToggle(p);
  }

  const shown = instanceId && proxies ? proxies.filter((p) => p.instance_id === instanceId) : proxies;

  return (
    <section class="card" aria-labelledby="proxies-title">
      <Heading id="proxies-title" tabIndex={-1}>
        Proxies
      </Heading>
      <p class="muted section-intro">Local apps your instances publish, and the addresses that reach them.</p>
      {error && (
        <Alert>
          <p>{error}</p>
          <button type="button" onClick={load}>
            Try again
          </button>
        </Alert>
      )}
      {notice && <Notice text={notice} />}
      {shown === null ? (
        !error && <p class="muted">Loading proxies…</p>
      ) : shown.length === 0 ? (
        <p class="muted">
          {instanceId ? "This instance publishes no app." : "No proxies."} An agent publishes its local app when its <code>config.yaml</code> has a <code>proxy:</code> section.
        </p>
      ) : (
        <ul class="token-list proxy-list">
          {shown.map((p) => {
            const instance = instances?.find((i) => i.id === p.instance_id);
            const state = proxyState(p, instance?.status);
            const manage = canToggleProxy(instance?.permissions);
            const id = rowId(p);
            const err = rowError?.id === p.instance_id ? rowError : null;
            return (
              <li key={p.instance_id}>
                <div class="session-main stack-tight">
                  <p class="action-line">
                    <span class="device">{p.instance_name}</span>
                    <code>{p.slug}</code>
                    <StateBadge label={state.label} tone={state.tone} />
                  </p>
                  {state.detail && <p class={p.inactive ? "bad" : "muted"}>{state.detail}</p>}
                  <p class="muted">
                    Who may visit: {accessLabel[p.access]}
                    {p.target && (
                      <>
                        {" "}
                        · App: <code>{p.target}</code>
                      </>
                    )}
                  </p>
                  <ul class="link-list" aria-label={`Addresses of ${p.slug}`}>
                    {proxyLinks(p, location.origin).map((l) => (
                      <li key={l.form}>
                        <span class="link-form">{l.label}</span>
                        <code id={`${id}-${l.form}`} class="link-url">
                          {l.url}
                        </code>
                        <span class="button-row">
                          <a class="button" href={l.url} target="_blank" rel="noopener noreferrer">
                            Open<span class="visually-hidden"> {p.slug} {l.label.toLowerCase()} (new tab)</span>
                          </a>
                          <CopyButton text={l.url} subject={`address of ${p.slug} ${l.label.toLowerCase()}`} selectId={`${id}-${l.form}`} />
                        </span>
                      </li>
                    ))}
                  </ul>
                  {err?.message && pausing !== p.instance_id && renaming !== p.instance_id && <Alert>{err.message}</Alert>}
                  {renaming === p.instance_id && (
                    <RenameProxyForm
                      id={`${id}-rename-form`}
                      slug={p.slug}
                      busy={busyId === p.instance_id}
                      slugError={err?.slug}
                      error={err?.message}
                      onRename={(slug) => void rename(p, slug)}
                      onCancel={() => cancelRename(p)}
                    />
                  )}
                  {pausing === p.instance_id && (
                    <PauseProxyForm
                      id={`${id}-pause`}
                      name={p.slug}
                      busy={busyId === p.instance_id}
                      reasonError={err?.reason}
                      error={err?.message}
                      onPause={(reason) => toggle(p, true, reason)}
                      onCancel={() => cancelPause(p)}
                    />
                  )}
                </div>
                {manage && pausing !== p.instance_id && renaming !== p.instance_id && (
                  <span class="button-row row-actions">
                    <button
                      type="button"
                      id={`${id}-rename`}
                      disabled={busyId === p.instance_id}
                      onClick={() => {
                        setRowError(null);
                        setPausing(null);
                        setRenaming(p.instance_id);
                      }}
                    >
                      Rename<span class="visually-hidden"> proxy {p.slug}</span>
                    </button>
                    <button
                      type="button"
                      id={`${id}-toggle`}
                      class={p.inactive ? undefined : "danger"}
                      disabled={busyId === p.instance_id}
                      onClick={() => {
                        setRowError(null);
                        if (p.inactive) void toggle(p, false);
                        else {
                          setRenaming(null);
                          setPausing(p.instance_id);
                        }
                      }}
                    >
                      {p.inactive ? (busyId === p.instance_id ? "Resuming…" : "Resume") : "Pause"}
                      <span class="visually-hidden"> proxy {p.slug}</span>
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
