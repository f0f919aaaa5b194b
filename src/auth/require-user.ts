import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env.ts";
import { authenticate } from "./authenticate.ts";
import { requireSessionPrincipal, type SessionPrincipal } from "../../core/auth/principal.ts";

/** Route middleware: 401 unless the caller is signed in (session or API token); puts the principal on the context. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  c.set("principal", await authenticate(c));
  await next();
});

/** Route middleware: as requireUser, and 403 for an API token. */
export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  c.set("principal", requireSessionPrincipal(await authenticate(c)));
  await next();
});

/** The principal behind a `signedInSession` route, typed as the session it was checked to be. */
export const sessionPrincipal = (c: Context<AppEnv>): SessionPrincipal => requireSessionPrincipal(c.get("principal"));
