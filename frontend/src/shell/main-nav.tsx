import { useLocation } from "preact-iso";
import { isAdmin, useAppData } from "./app-data.tsx";
import { NAV_PAGES, navPageOf, paths } from "./routes.ts";

/**
 * The navigation that is always there: a sidebar on wide screens, a drawer on a phone (the
 * shell's Menu button opens it). The link of the page you are on is marked `aria-current`.
 * A per-instance page's link keeps the instance you last picked.
 */
export function MainNav({ id, open, lastInstance }: { id: string; open: boolean; lastInstance: string | null }) {
  const { user } = useAppData();
  const { path } = useLocation();
  const current = navPageOf(path);
  return (
    <nav id={id} class={open ? "main-nav open" : "main-nav"} aria-label="Main">
      <ul>
        {NAV_PAGES.filter((p) => !p.admin || isAdmin(user)).map((p) => (
          <li key={p.path}>
            <a href={p.perInstance ? paths.perInstance(p.path, lastInstance) : p.path} aria-current={current?.path === p.path ? "page" : undefined}>
              {p.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
