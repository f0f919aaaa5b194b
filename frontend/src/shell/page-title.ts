import { useEffect } from "preact/hooks";
import { useAppData } from "./app-data.tsx";
import { pageTitle } from "./routes.ts";

/**
 * For a page whose own section carries its <h1> (Proxies, Shares, File sync): names the browser
 * tab and, after a navigation, takes focus to that heading, as <Page> does for the others.
 */
export function usePageTitle(...words: string[]) {
  const { navigated } = useAppData();
  const title = pageTitle(...words);
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(() => {
    if (navigated) document.querySelector<HTMLElement>("#content h1")?.focus({ preventScroll: true });
  }, []);
}
