import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { OAuthProviderId } from "@anchorage/common";
import type { Config } from "../../config.ts";
import { OAUTH_STATE_TTL_SECONDS } from "./oauth-state.ts";

/**
 * The state is also put in a cookie of the browser that starts the flow, and the callback requires
 * both to agree (RFC 6749 §10.12: bind the state to the user agent). Without it, someone could
 * start a flow themselves, stop at the callback, and send its URL to a victim, who would then be
 * signed in to the attacker's account (login CSRF). SameSite=Lax still travels on the provider's
 * top-level redirect back to us; the path keeps it off every other request.
 */
const FLOW_COOKIE = "anc_oauth";
const callbackPath = (provider: OAuthProviderId) => `/auth/${provider}/callback`;

export function setFlowCookie(c: Context, config: Config, provider: OAuthProviderId, state: string): void {
  setCookie(c, FLOW_COOKIE, state, {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: "Lax",
    path: callbackPath(provider),
    maxAge: OAUTH_STATE_TTL_SECONDS,
  });
}

/** The flow's state as this browser holds it; the cookie is cleared either way (one use). */
export function takeFlowCookie(c: Context, config: Config, provider: OAuthProviderId): string | undefined {
  const value = getCookie(c, FLOW_COOKIE);
  if (value !== undefined) deleteCookie(c, FLOW_COOKIE, { path: callbackPath(provider), secure: config.cookieSecure });
  return value;
}
