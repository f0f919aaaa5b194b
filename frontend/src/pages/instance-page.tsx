import type { Instance } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { StateBadge, instanceStatus } from "../instances/labels.tsx";
import { useInstance, useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { INSTANCE_TABS, paths, type InstanceTab } from "../shell/routes.ts";
import { NotFoundPage } from "./not-found-page.tsx";
import { InstanceTabBody, useToolbarRuns } from "../instances/instance-tab-bodies.tsx";
import { InstanceToolbar } from "../instances/instance-toolbar.tsx";

/** The tabs the person can use on this instance (a tab without its permission is not offered). */
function tabsFor(i: Instance) {
  const can = (a: string) => i.permissions.includes(a as Instance["permissions"][number]);
  return INSTANCE_TABS.filter((t) => {
    if (t.id === "terminal") return can("terminal:cloud_instance") || can("manage:cloud_instance");
    if (t.id === "git") return can("git:cloud_instance");
    if (t.id === "sync") return can("sync:cloud_instance");
    return true;
  });
}

/**
 * One instance at `/instances/<id>[/<tab>]`: its name and state, the floating quick actions, and
 * tabs (Overview, Terminal, Files, Git, Logs, Metrics, Proxy, Sync, Config), each with its own address, so
 * a reload, Back and a shared link keep the tab. Only the open tab is mounted: leaving the
 * Terminal tab detaches its shells (the server keeps them for a grace period).
 */
export function InstancePage({ params }: { params: { id: string; tab?: string } }) {
  const instance = useInstance(params.id);
  const { list } = useAppData();
  if (instance === undefined) return <Page title="Instance">{list.error ? <p class="bad">{list.error}</p> : <p class="muted">Loading…</p>}</Page>;
  if (instance === null) return <InstanceNotFound id={params.id} />;
  return <InstanceView key={instance.id} instance={instance} tab={params.tab} />;
}

function InstanceNotFound({ id }: { id: string }) {
  return (
    <Page title="Instance not found">
      <section class="card stack">
        <p>
          No instance <code>{id}</code> is visible to you: it may have been deleted, or its share may have ended.
        </p>
        <p>
          <a href={paths.instances}>Back to your instances</a>
        </p>
      </section>
    </Page>
  );
}

function InstanceView({ instance: i, tab: tabParam }: { instance: Instance; tab?: string }) {
  const { route } = useLocation();
  const tabs = tabsFor(i);
  const tab = (tabParam ?? "overview") as InstanceTab;
  const runs = useToolbarRuns(i, tab === "overview");
  const known = tabs.some((t) => t.id === tab);
  const label = INSTANCE_TABS.find((t) => t.id === tab)?.label;

  // `/instances/<id>/overview` is the same page as `/instances/<id>`.
  useEffect(() => {
    if (tabParam === "overview") route(paths.instance(i.id), true);
  }, [tabParam]);

  if (!INSTANCE_TABS.some((t) => t.id === tab)) return <NotFoundPage />;

  /** Arrow keys, Home and End move between the tabs (each a link: its own address). */
  function onTabKey(e: JSX.TargetedKeyboardEvent<HTMLAnchorElement>, index: number) {
    const to = e.key === "ArrowRight" ? (index + 1) % tabs.length : e.key === "ArrowLeft" ? (index - 1 + tabs.length) % tabs.length : e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    route(paths.instance(i.id, tabs[to]!.id));
    requestAnimationFrame(() => document.getElementById(`instance-tab-${tabs[to]!.id}`)?.focus());
  }

  return (
    <Page title={i.name} tabTitle={tab === "overview" ? [i.name] : [label!, i.name]} aside={<StateBadge {...instanceStatus(i.status)} />}>
      <InstanceToolbar instance={i} busy={runs.busy} onRun={runs.run} onOtherCommand={runs.other} />
      <div class="page-tabs" role="tablist" aria-label={`${i.name}`}>
        {tabs.map((t, n) => (
          <a
            key={t.id}
            id={`instance-tab-${t.id}`}
            role="tab"
            href={paths.instance(i.id, t.id)}
            aria-selected={t.id === tab}
            aria-controls="instance-tabpanel"
            tabIndex={t.id === tab ? 0 : -1}
            onKeyDown={(e) => onTabKey(e, n)}
          >
            {t.label}
          </a>
        ))}
      </div>
      <div id="instance-tabpanel" role="tabpanel" aria-labelledby={`instance-tab-${tab}`} class="tab-body stack">
        {known ? <InstanceTabBody instance={i} tab={tab} runs={runs} /> : <p class="muted gate">You do not have access to this tab on {i.name}.</p>}
      </div>
    </Page>
  );
}
