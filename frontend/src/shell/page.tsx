import type { ComponentChildren } from "preact";
import { usePageTitle } from "./page-title.ts";

interface PageProps {
  /** The page's name: its <h1> and the start of the browser tab's title. */
  title: string;
  /** The browser tab's words before "Anchorage" when they say more than the title ("Files · web-1"). */
  tabTitle?: string[];
  /** Beside the heading (a live indicator, a state badge). */
  aside?: ComponentChildren;
  children: ComponentChildren;
}

/**
 * One page of the dashboard: names itself in the browser tab and in one <h1>, and after a
 * navigation takes keyboard focus to that heading, so a screen reader announces where the person
 * arrived and Tab continues from the top of the new page.
 */
export function Page({ title, tabTitle = [title], aside, children }: PageProps) {
  usePageTitle(...tabTitle);
  return (
    <div class="page stack">
      <div class="page-head">
        <h1 tabIndex={-1}>{title}</h1>
        {aside}
      </div>
      {children}
    </div>
  );
}
