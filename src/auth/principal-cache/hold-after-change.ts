import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { ISOLATE_TTL_MS, madeChange } from "./isolate-copies.ts";

/**
 * Wraps every request: one that forgot copies (a logout, a revocation, a change to a user)
 * answers only ISOLATE_TTL_MS later, by when every isolate's own copy taken before the change has
 * expired (isolate-copies.ts). Whoever learns of the change from this answer, and whatever they
 * send next, meets D1's state at any machine of this location. Nothing else waits.
 */
export const holdAfterChange: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (madeChange(c.get("db"))) await new Promise((resolve) => setTimeout(resolve, ISOLATE_TTL_MS));
};
