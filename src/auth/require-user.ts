import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env.ts";
import { authenticate } from "./authenticate.ts";

/** Route middleware: 401 unless the caller is signed in; puts the principal on the context. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  c.set("principal", await authenticate(c));
  await next();
});
