import { useEffect, useRef } from "preact/hooks";
import { ROUTER_SCOPE } from "../shell/routes.ts";

export const LEAVE_QUESTION = "You have unsaved changes. Leave and discard them?";

/**
 * While `dirty`, asks before the page or the view is left: closing or reloading the tab (the
 * browser's own beforeunload question), a dashboard link (another tab, another folder), and Back
 * or Forward. The dashboard's router acts on clicks and popstate at the window, so this listens in
 * the capture phase, which runs first, and stops the event there when the person stays.
 */
export function useUnsavedGuard(dirty: boolean, url: string) {
  const here = useRef(url);
  here.current = url;

  useEffect(() => {
    if (!dirty) return;
    const beforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers need returnValue set to ask.
      e.returnValue = "";
    };
    const click = (e: MouseEvent) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      const a = (e.target instanceof Element ? e.target : null)?.closest("a[href]");
      if (!(a instanceof HTMLAnchorElement) || a.origin !== location.origin || a.hasAttribute("download")) return;
      const href = a.getAttribute("href") ?? "";
      // Links the router does not take load a page: beforeunload asks for those.
      if (href.startsWith("#") || !ROUTER_SCOPE.test(href) || (a.target && a.target !== "_self")) return;
      if (a.pathname + a.search === location.pathname + location.search) return;
      if (confirm(LEAVE_QUESTION)) return;
      e.preventDefault();
      e.stopPropagation();
    };
    const pop = (e: PopStateEvent) => {
      if (confirm(LEAVE_QUESTION)) return;
      // The address has already changed: put the page's own back, and keep the router from following.
      e.stopPropagation();
      history.pushState(null, "", here.current);
    };
    addEventListener("beforeunload", beforeUnload);
    addEventListener("click", click, true);
    addEventListener("popstate", pop, true);
    return () => {
      removeEventListener("beforeunload", beforeUnload);
      removeEventListener("click", click, true);
      removeEventListener("popstate", pop, true);
    };
  }, [dirty]);
}
