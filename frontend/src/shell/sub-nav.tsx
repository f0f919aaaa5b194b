import { useLocation } from "preact-iso";
import type { SubPage } from "./routes.ts";

/** The pages inside a page (Settings, Admin): links with the current one marked, in a row that wraps. */
export function SubNav({ label, pages, href }: { label: string; pages: readonly SubPage[]; href: (id: string) => string }) {
  const { path } = useLocation();
  return (
    <nav class="sub-nav" aria-label={label}>
      <ul>
        {pages.map((p) => (
          <li key={p.id}>
            <a href={href(p.id)} aria-current={path === href(p.id) ? "page" : undefined}>
              {p.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
