import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { ACCESS_COOKIE_BASE, cookieName, isAnchorageCookie, REFRESH_COOKIE_BASE } from "@anchorage/common/cookie-names";
import type { Config } from "../config.ts";
import type { AppEnv } from "../http/app-env.ts";
import { unauthenticated } from "../../core/app-error.ts";
import { ACCESS_TOKEN_TTL_SECONDS } from "./tokens/access-token.ts";
import { REFRESH_TOKEN_TTL_SECONDS } from "./session/session-store.ts";


/**
 * The dashboard's cookie names for this deployment: the bare names on an http origin (local). On https they are `__Host-` cookies:
 * Secure, Path=/ and no Domain, which is what stops a proxied app (on a path of this origin or
 * on a sibling host) from planting its own session under our name. There the refresh cookie is
 * Path=/ too (the prefix demands it; SameSite=Strict keeps it to our own pages); on http it
 * stays on /auth, where it always was, so an upgrade does not leave two of one name.
 */
export const sessionCookieNames = (config: Config) => ({
  access: cookieName(ACCESS_COOKIE_BASE, hostPrefixed(config)),
  refresh: cookieName(REFRESH_COOKIE_BASE, hostPrefixed(config)),
});

/** `__Host-` needs a secure origin to be set from: every origin the dashboard is served on is https. */
export const hostPrefixed = (config: Config) => config.cookieSecure && config.origins.every((o) => o.startsWith("https://"));

const refreshPath = (config: Config) => (hostPrefixed(config) ? "/" : "/auth");

export function setSessionCookies(c: Context, config: Config, tokens: { access: string; refresh: string }) {
  const names = sessionCookieNames(config);
  setCookie(c, names.access, tokens.access, { httpOnly: true, secure: config.cookieSecure, sameSite: "Lax", path: "/", maxAge: ACCESS_TOKEN_TTL_SECONDS });
  setCookie(c, names.refresh, tokens.refresh, { httpOnly: true, secure: config.cookieSecure, sameSite: "Strict", path: refreshPath(config), maxAge: REFRESH_TOKEN_TTL_SECONDS });
}

export function clearSessionCookies(c: Context, config: Config) {
  const names = sessionCookieNames(config);
  deleteCookie(c, names.access, { path: "/", secure: config.cookieSecure });
  deleteCookie(c, names.refresh, { path: refreshPath(config), secure: config.cookieSecure });
}

/**
 * The values the Cookie header carries for `name`. A browser sends two when two cookies of one
 * name exist for different paths or domains: one of them was planted (cookie tossing).
 */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * One of our cookies, or undefined. Two values for one of our names is refused (401), never
 * resolved by picking one: which one the browser lists first depends on path length, which is
 * exactly what a planted cookie plays with.
 */
function readOwnCookie(c: Context, name: string): string | undefined {
  const values = cookieValues(c.req.header("cookie"), name);
  if (values.length > 1) throw unauthenticated(`the request carries ${values.length} ${name} cookies; one was set by someone else: sign out, or clear this site's cookies, and sign in again`);
  const v = values[0];
  if (!v) return undefined;
  try {
    return decodeURIComponent(v.replace(/^"(.*)"$/, "$1"));
  } catch {
    return v;
  }
}

export const readAccessCookie = (c: Context<AppEnv>) => readOwnCookie(c, sessionCookieNames(c.get("config")).access);
export const readRefreshCookie = (c: Context<AppEnv>) => readOwnCookie(c, sessionCookieNames(c.get("config")).refresh);

/** The Cookie header without any of Anchorage's cookies (what a proxied app may see), or null when nothing is left. */
export function withoutOwnCookies(header: string): string | null {
  const kept = header
    .split(";")
    .map((kv) => kv.trim())
    .filter((kv) => kv && !isAnchorageCookie(kv.split("=")[0]!));
  return kept.length ? kept.join("; ") : null;
}
