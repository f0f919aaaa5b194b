import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env.ts";
import { AppError } from "./app-error.ts";

/**
 * The API's bodies are JSON. A body of another type is refused up front, rather
 * than silently read as empty (which would skip validation). Also a CSRF layer:
 * a cross-site HTML form cannot send application/json without a CORS preflight.
 */
export const jsonBodiesOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.raw.body !== null && c.req.method !== "GET" && c.req.method !== "HEAD") {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new AppError("E-UNSUPPORTED-MEDIA", `request body must be application/json (got ${type.split(";")[0] || "no content-type"})`);
    }
  }
  await next();
});
