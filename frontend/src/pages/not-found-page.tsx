import { useLocation } from "preact-iso";
import { Page } from "../shell/page.tsx";
import { paths } from "../shell/routes.ts";

/** An address the dashboard has no page for: said inside the app, with the way home. */
export function NotFoundPage() {
  const { path } = useLocation();
  return (
    <Page title="Page not found">
      <section class="card stack">
        <p>
          There is no page at <code>{path}</code>. It may have moved, or the link may be mistyped.
        </p>
        <p>
          <a href={paths.home}>Go to your instances</a>, or press <kbd>Ctrl+K</kbd> to search for a page.
        </p>
      </section>
    </Page>
  );
}
