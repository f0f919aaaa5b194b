import type { Instance } from "@anchorage/common";
import { ADMIN_PAGES, INSTANCE_TABS, NAV_PAGES, paths, SETTINGS_PAGES } from "./routes.ts";

/** One thing the command palette can do: go to an address, or run an action. */
export interface PaletteItem {
  id: string;
  label: string;
  /** What kind of thing it is, shown beside it: Page, Instance, Action. */
  group: "Page" | "Instance" | "Action";
  /** More words that match (not shown). */
  keywords?: string;
  href?: string;
  run?: "sign-out";
}

/** Everything the palette offers the signed-in person: pages, their instances (and each one's tabs), actions. */
export function paletteItems(instances: readonly Instance[], admin: boolean): PaletteItem[] {
  const items: PaletteItem[] = [];
  for (const p of NAV_PAGES) {
    if (p.admin && !admin) continue;
    items.push({ id: `page:${p.path}`, label: p.label, group: "Page", keywords: p.keywords, href: p.path });
  }
  for (const s of SETTINGS_PAGES) items.push({ id: `settings:${s.id}`, label: `Settings › ${s.label}`, group: "Page", keywords: "keywords" in s ? s.keywords : undefined, href: paths.settings(s.id) });
  if (admin) for (const a of ADMIN_PAGES) items.push({ id: `admin:${a.id}`, label: `Admin › ${a.label}`, group: "Page", keywords: "keywords" in a ? a.keywords : undefined, href: paths.admin(a.id) });
  for (const i of instances) {
    items.push({ id: `instance:${i.id}`, label: i.name, group: "Instance", keywords: `${i.hostname ?? ""} ${i.status}`, href: paths.instance(i.id) });
    for (const t of INSTANCE_TABS.slice(1)) items.push({ id: `instance:${i.id}:${t.id}`, label: `${i.name} › ${t.label}`, group: "Instance", href: paths.instance(i.id, t.id) });
  }
  items.push(
    { id: "action:anchor", label: "Anchor a machine", group: "Action", keywords: "add install new instance", href: `${paths.instances}?anchor=1` },
    { id: "action:token", label: "Create an API token", group: "Action", keywords: "new key", href: paths.settings("tokens") },
    { id: "action:share", label: "Share an instance", group: "Action", keywords: "invite give access", href: "/shares" },
    { id: "action:sign-out", label: "Sign out", group: "Action", keywords: "log out logout", run: "sign-out" },
  );
  return items;
}

/**
 * The items that match a query, best first: every word of the query must appear in the label or
 * keywords; a label that starts with the query comes before one that merely contains it. An empty
 * query lists the pages and instances themselves (not every tab).
 */
export function matchItems(items: readonly PaletteItem[], query: string, limit = 50): PaletteItem[] {
  const q = query.trim().toLowerCase();
  if (!q) return items.filter((i) => !i.label.includes("›")).slice(0, limit);
  const words = q.split(/\s+/);
  const scored: { item: PaletteItem; score: number }[] = [];
  items.forEach((item, n) => {
    const label = item.label.toLowerCase();
    const text = `${label} ${item.keywords?.toLowerCase() ?? ""} ${item.group.toLowerCase()}`;
    if (!words.every((w) => text.includes(w))) return;
    const score = (label.startsWith(q) ? 0 : label.includes(q) ? 1000 : 2000) + n;
    scored.push({ item, score });
  });
  return scored.sort((a, b) => a.score - b.score).slice(0, limit).map((s) => s.item);
}
