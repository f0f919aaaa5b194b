import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../http/app-env.ts";
import { notFound, unauthenticated } from "../../../core/app-error.ts";
import { timingSafeEqual } from "../password/password-hash.ts";

const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));

/**
 * Route middleware for service-to-service calls: `X-Service-Key` must equal SERVICE_KEY,
 * compared in constant time (both sides hashed first, so not even the length leaks).
 * Without SERVICE_KEY these routes do not exist.
 */
export const requireServiceKey = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.get("config").serviceKey;
  if (!expected) throw notFound("service routes (SERVICE_KEY is not set)");
  const given = c.req.header("x-service-key");
  if (!given || !timingSafeEqual(await digest(given), await digest(expected))) throw unauthenticated("X-Service-Key is missing or wrong");
  await next();
});

export const serviceKeySecurity: Record<string, string[]>[] = [{ serviceKey: [] }];
