import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Config } from "../config.ts";
import { ACCESS_TOKEN_TTL_SECONDS } from "./tokens/access-token.ts";
import { REFRESH_TOKEN_TTL_SECONDS } from "./session/session-store.ts";

export const ACCESS_COOKIE = "anc_access";
export const REFRESH_COOKIE = "anc_refresh";
/** The refresh cookie travels only to the endpoints that use it. */
const REFRESH_COOKIE_PATH = "/auth";

export function setSessionCookies(c: Context, config: Config, tokens: { access: string; refresh: string }) {
  setCookie(c, ACCESS_COOKIE, tokens.access, {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: "Lax",
    path: "/",
    maxAge: ACCESS_TOKEN_TTL_SECONDS,
  });
  setCookie(c, REFRESH_COOKIE, tokens.refresh, {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: "Strict",
    path: REFRESH_COOKIE_PATH,
    maxAge: REFRESH_TOKEN_TTL_SECONDS,
  });
}

export function clearSessionCookies(c: Context, config: Config) {
  deleteCookie(c, ACCESS_COOKIE, { path: "/", secure: config.cookieSecure });
  deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH, secure: config.cookieSecure });
}

export const readAccessCookie = (c: Context) => getCookie(c, ACCESS_COOKIE);
export const readRefreshCookie = (c: Context) => getCookie(c, REFRESH_COOKIE);
