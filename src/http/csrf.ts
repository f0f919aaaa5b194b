import type { Config } from "../config.ts";
import { forbidden } from "../../core/app-error.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const isUnsafeMethod = (method: string) => !SAFE_METHODS.has(method);

/**
 * A cookie-authenticated request must come from the dashboard itself. The browser says where a
 * request comes from in `Sec-Fetch-Site` (Fetch Metadata, W3C): only `same-origin` is ours. A page
 * published through the proxy is not: on the path form its documents are sandboxed into an opaque
 * origin (so the browser calls its requests cross-site), on its own host it is another origin.
 * A plain top-level navigation from anywhere (a link, a bookmark, a redirect back from a sign-in
 * provider) is allowed for GET and HEAD, which change nothing; anything else from another site —
 * a fetch, a form POST, a WebSocket, an image — is refused before the cookie is even read.
 * Clients that send no Fetch Metadata (curl, older browsers) fall to the Origin check below.
 */
export function assertFromDashboard(req: Request): void {
  const site = req.headers.get("sec-fetch-site");
  if (site === null || site === "same-origin") return;
  const navigation = req.headers.get("sec-fetch-mode") === "navigate" && !isUnsafeMethod(req.method);
  if (!navigation) throw forbidden(`a cookie-authenticated request must come from the dashboard itself (Sec-Fetch-Site: ${site.slice(0, 20)})`);
}

/**
 * CSRF defence for cookie-carried credentials (OWASP CSRF Cheat Sheet, "Fetch Metadata" and
 * "Verifying origin with standard headers"): first Fetch Metadata (above), then a
 * state-changing request that relies on a cookie must name one of our own origins. Browsers
 * always send Origin on cross-site and on same-origin non-GET fetches; a request without it
 * cannot prove where it came from, so it is refused too. Bearer requests carry no ambient
 * credential and need no check. SameSite cookies are the last layer.
 */
export function assertSameOrigin(req: Request, config: Config): void {
  assertFromDashboard(req);
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  if (!origin || !config.origins.includes(origin)) {
    throw forbidden("cross-site request refused: a cookie-authenticated request must come from the dashboard's origin");
  }
}

/**
 * A WebSocket upgrade is a GET, yet a browser opens one cross-site with our cookies attached
 * (cross-site WebSocket hijacking): a cookie-authenticated upgrade must come from our origin.
 */
export function assertSocketOrigin(req: Request, via: "bearer" | "cookie", config: Config): void {
  if (via !== "cookie") return;
  assertFromDashboard(req);
  const origin = req.headers.get("origin");
  if (!origin || !config.origins.includes(origin)) throw forbidden("cross-site WebSocket refused");
}
