import type { VNode } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";

/**
 * The screens below the first view (proxies, shares, terminal sessions, the audit log) are one
 * chunk, fetched once when the first of them is rendered; the sign-in page never loads it. Each
 * place that shows one holds a placeholder with its title until the chunk is in.
 */
type Screens = typeof import("./screens.ts");

let screens: Promise<Screens> | null = null;
let loaded: Screens | null = null;

function loadScreens(): Promise<Screens> {
  screens ??= import("./screens.ts").then(
    (m) => (loaded = m),
    (e: unknown) => {
      screens = null; // a later try fetches it again
      throw e;
    },
  );
  return screens;
}

interface LazyScreenProps {
  /** The screen's title, shown while it loads. */
  title: string;
  /** A card of its own on the page (h2), or a part of one (h3). */
  level?: 2 | 3;
  render: (s: Screens) => VNode;
}

export function LazyScreen({ title, level = 2, render }: LazyScreenProps) {
  const [mod, setMod] = useState<Screens | null>(loaded);
  const [failed, setFailed] = useState(false);
  const headingId = useId();

  function load() {
    setFailed(false);
    loadScreens().then(setMod, () => setFailed(true));
  }
  useEffect(() => {
    if (!mod) load();
  }, []);

  if (mod) return render(mod);
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <section class={level === 2 ? "card" : undefined} aria-labelledby={headingId}>
      <Heading id={headingId}>{title}</Heading>
      {failed ? (
        <Alert>
          <p>Could not load this part of the dashboard. Check your connection and try again; if the dashboard was updated since this page was opened, reload it.</p>
          <div class="button-row">
            <button type="button" onClick={load}>
              Try again
            </button>
            <button type="button" onClick={() => location.reload()}>
              Reload the page
            </button>
          </div>
        </Alert>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </section>
  );
}
