import type { Instance } from "@anchorage/common";
import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { AnchorCommand } from "../instances/anchor-command.tsx";
import { InstanceTable } from "../instances/instance-table.tsx";
import { listShares } from "../shares/shares-api.ts";
import type { Share } from "../shares/share-draft.ts";
import { isAdmin, useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { paths } from "../shell/routes.ts";

/** Whether an instance matches the filter box: its name, host, platform, status or proxy slug. */
function matches(i: Instance, q: string): boolean {
  if (!q) return true;
  const text = [i.name, i.hostname, i.platform, i.arch, i.status, i.proxy_slug, ...i.tags].filter(Boolean).join(" ").toLowerCase();
  return q.toLowerCase().split(/\s+/).every((w) => text.includes(w));
}

/** The share that lets the person see a shared instance: the one naming it, else the owner's share of everything. */
function shareFor(i: Instance, received: readonly Share[]): Share | undefined {
  const live = received.filter((s) => s.active && s.owner_id === i.owner_id);
  return live.find((s) => s.instance_id === i.id) ?? live.find((s) => s.instance_id === null);
}

/**
 * The home page after sign-in: your instances, then those shared with you (who shared them,
 * what you may do, until when), a filter box, and how to anchor another machine.
 */
export function InstancesPage() {
  const { user, list, onExpired } = useAppData();
  const { query, route } = useLocation();
  // The tag filter is part of the address (`/instances?tag=web`): a link from a tag opens it.
  const tag = query.tag ?? "";
  const [filter, setFilter] = useState("");
  const [received, setReceived] = useState<Share[]>([]);
  const instances = list.instances;

  const shared = useMemo(() => instances?.filter((i) => i.relation === "shared") ?? [], [instances]);
  useEffect(() => {
    if (shared.length === 0) return;
    listShares().then(
      (r) => setReceived(r.received),
      (e: unknown) => e instanceof ApiError && e.status === 401 && onExpired(),
    );
  }, [shared.length]);

  const shown = (i: Instance) => matches(i, filter) && (!tag || i.tags.includes(tag));
  const own = instances?.filter((i) => i.relation === "owner" && shown(i)) ?? [];
  const sharedShown = shared.filter(shown);
  const allTags = [...new Set(instances?.flatMap((i) => i.tags) ?? [])].sort();
  const filtered = Boolean(filter || tag);
  const others = instances?.filter((i) => i.relation === "admin").length ?? 0;
  const shareMap = new Map(sharedShown.flatMap((i) => {
    const s = shareFor(i, received);
    return s ? [[i.id, s] as const] : [];
  }));

  return (
    <Page title="Instances">
      {list.error && (
        <Alert>
          <p>{list.error}</p>
          <button type="button" onClick={list.reload}>
            Try again
          </button>
        </Alert>
      )}
      {instances === null ? (
        !list.error && <p class="muted">Loading instances…</p>
      ) : (
        <>
          {own.length + shared.length > 0 && (
            <div class="filter-row">
              <label for="instance-filter">Filter</label>
              <input id="instance-filter" type="search" value={filter} placeholder="Name, host, status, tag…" onInput={(e) => setFilter(e.currentTarget.value)} />
              {(allTags.length > 0 || tag) && (
                <>
                  <label for="instance-tag">Tag</label>
                  <select id="instance-tag" value={tag} onChange={(e) => route(e.currentTarget.value ? `${paths.instances}?tag=${encodeURIComponent(e.currentTarget.value)}` : paths.instances)}>
                    <option value="">All</option>
                    {[...new Set([...allTags, ...(tag ? [tag] : [])])].map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                </>
              )}
            </div>
          )}
          <section class="card" aria-labelledby="own-instances-title">
            <h2 id="own-instances-title">Your instances</h2>
            {own.length > 0 ? (
              <InstanceTable labelledBy="own-instances-title" instances={own} />
            ) : (
              <p class="muted">{filtered ? "None of your instances matches the filter." : "No instances yet. Run the anchor command below on a machine to add one here."}</p>
            )}
            <AnchorCommand open={query.anchor === "1" || instances.every((i) => i.relation !== "owner")} />
          </section>
          {shared.length > 0 && (
            <section class="card" aria-labelledby="shared-instances-title">
              <h2 id="shared-instances-title">Shared with me</h2>
              {sharedShown.length > 0 ? (
                <InstanceTable labelledBy="shared-instances-title" instances={sharedShown} shares={shareMap} />
              ) : (
                <p class="muted">None of the instances shared with you matches the filter.</p>
              )}
            </section>
          )}
          {isAdmin(user) && others > 0 && (
            <p class="muted">
              {others === 1 ? "One more instance belongs" : `${others} more instances belong`} to other people: see <a href={paths.admin("everything")}>Admin › Everything</a>.
            </p>
          )}
        </>
      )}
    </Page>
  );
}
