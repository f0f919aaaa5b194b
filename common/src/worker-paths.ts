/**
 * The paths the Worker answers itself. Everything else is the dashboard's: a static asset or a
 * page of the single-page app (index.html, which picks the page from the address). The dashboard's
 * route table (frontend/src/shell/routes.ts) is checked against these, so no page can shadow an
 * API path and no API path can swallow a page (test/frontend/shell/routes.test.ts).
 */

/** Prefixes: the path itself (without the slash) and everything below it. */
export const WORKER_PREFIXES = ["/api/", "/auth/", "/admin/", "/agent/", "/mcp", "/oauth/", "/v2/", "/.well-known/", "/p/"] as const;

/** Single paths the Worker routes before the page fallback. */
export const WORKER_EXACT = ["/docs", "/openapi.json", "/healthz", "/install.sh"] as const;

/** Pages the dashboard serves outside its signed-in shell (the sign-in halves of other flows). */
export const STANDALONE_PAGES = ["/device", "/magic", "/password/forgot", "/password/reset"] as const;

/** Whether the Worker owns `path` (so the page fallback must never answer it). */
export const isWorkerPath = (path: string): boolean =>
  WORKER_PREFIXES.some((p) => path === p.replace(/\/$/, "") || path.startsWith(p)) || (WORKER_EXACT as readonly string[]).includes(path);
