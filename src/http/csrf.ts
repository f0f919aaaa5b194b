import type { Config } from "../config.ts";
import { forbidden } from "./app-error.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for cookie-carried credentials (OWASP CSRF Cheat Sheet, "Verifying
 * origin with standard headers"): a state-changing request that relies on a cookie
 * must come from one of our own origins. Browsers always send Origin on cross-site
 * and on same-origin non-GET fetches; a request without it cannot prove where it
 * came from, so it is refused too. Bearer requests carry no ambient credential and need no check.
 * SameSite cookies are the second layer.
 */
export function assertSameOrigin(req: Request, config: Config): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  if (!origin || !config.origins.includes(origin)) {
    throw forbidden("cross-site request refused: a cookie-authenticated request must come from the dashboard's origin");
  }
}

export const isUnsafeMethod = (method: string) => !SAFE_METHODS.has(method);

/**
 * A WebSocket upgrade is a GET, yet a browser opens one cross-site with our cookies attached
 * (cross-site WebSocket hijacking): a cookie-authenticated upgrade must come from our origin.
 */
export function assertSocketOrigin(req: Request, via: "bearer" | "cookie", config: Config): void {
  if (via !== "cookie") return;
  const origin = req.headers.get("origin");
  if (!origin || !config.origins.includes(origin)) throw forbidden("cross-site WebSocket refused");
}
