import type { Instance } from "@anchorage/common";
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { InstanceTabBody, useToolbarRuns } from "../instances/instance-tab-bodies.tsx";
import { InstanceToolbar } from "../instances/instance-toolbar.tsx";
import { instanceStatus } from "../instances/labels.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { NAV_PAGES, paths } from "../shell/routes.ts";

type PerInstance = "git" | "terminal" | "logs" | "pods";

/** Who can use each page on an instance: the rest of the list is not offered in its picker. */
const usable: Record<PerInstance, (i: Instance) => boolean> = {
  git: (i) => i.permissions.includes("git:cloud_instance"),
  terminal: (i) => i.permissions.includes("terminal:cloud_instance") || i.permissions.includes("manage:cloud_instance"),
  logs: () => true,
  pods: () => true,
};

/**
 * Git, Terminal, Logs and Pods as pages of their own, as in the Cloud Manager: they act on the
 * instance the picker names, and the address carries it (`/git/<id>`), so a reload or a shared
 * link opens the same instance. With one usable instance it is picked for you.
 */
export function PerInstancePage({ page, params }: { page: PerInstance; params: { id?: string } }) {
  // One route component serves the four pages: keyed by the page, moving from Git to Terminal
  // mounts a new page (its <h1> takes focus, as after any navigation) instead of updating this one.
  return <PerInstanceView key={page} page={page} params={params} />;
}

function PerInstanceView({ page, params }: { page: PerInstance; params: { id?: string } }) {
  const { list } = useAppData();
  const { route } = useLocation();
  const nav = NAV_PAGES.find((p) => p.path === `/${page}`)!;
  const choices = list.instances?.filter((i) => i.relation !== "admin" || i.id === params.id).filter(usable[page]) ?? [];
  const instance = params.id ? list.instances?.find((i) => i.id === params.id) : undefined;

  useEffect(() => {
    if (!params.id && choices.length === 1) route(paths.perInstance(nav.path, choices[0]!.id), true);
  }, [params.id, choices.length]);

  return (
    <Page title={nav.label} tabTitle={instance ? [nav.label, instance.name] : [nav.label]}>
      <div class="field instance-picker">
        <label for={`${page}-instance`}>Instance</label>
        <select id={`${page}-instance`} value={instance?.id ?? ""} onChange={(e) => route(paths.perInstance(nav.path, e.currentTarget.value || null))}>
          <option value="">{list.instances === null ? "Loading…" : "Choose an instance"}</option>
          {choices.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name} ({instanceStatus(i.status).label.toLowerCase()})
            </option>
          ))}
        </select>
      </div>
      {list.instances !== null && choices.length === 0 && <p class="muted">None of the instances you can see lets you use {nav.label.toLowerCase()}.</p>}
      {params.id && list.instances !== null && !instance && (
        <p class="bad">
          No instance <code>{params.id}</code> is visible to you. <a href={nav.path}>Choose another</a>.
        </p>
      )}
      {instance && <PerInstanceBody key={instance.id} instance={instance} page={page} />}
    </Page>
  );
}

function PerInstanceBody({ instance, page }: { instance: Instance; page: PerInstance }) {
  const runs = useToolbarRuns(instance, false);
  return (
    <>
      <InstanceToolbar instance={instance} busy={runs.busy} onRun={runs.run} onOtherCommand={runs.other} />
      {usable[page](instance) ? (
        <InstanceTabBody instance={instance} tab={page} runs={runs} />
      ) : (
        <p class="muted gate">You do not have permission for this on {instance.name}.</p>
      )}
    </>
  );
}
