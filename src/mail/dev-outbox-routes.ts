import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { emailSchema } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { newRouter } from "../http/router.ts";
import { AppError } from "../../core/app-error.ts";
import { errorResponses, jsonResponse } from "../http/openapi-common.ts";
import { readOutbox } from "./dev-outbox.ts";

export const devOutboxRoutes = newRouter();

/**
 * Anyone may read the outbox, so it must not exist where real people's mail (sign-in links) could
 * be in it: in production it answers exactly as a path with no route does, before even validating.
 */
const developmentOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("config").environment === "production") throw new AppError("E-NOT-FOUND", `no route for ${c.req.method} ${c.req.path}`);
  await next();
});

const outboxMailSchema = z.object({ id: z.number().int(), to: z.string(), subject: z.string(), text: z.string(), html: z.string().nullable(), created_at: z.string() });

devOutboxRoutes.openapi(
  createRoute({
    method: "get", path: "/outbox", tags: ["development"], middleware: [developmentOnly] as const,
    summary: "Mail kept instead of sent (no RESEND_API_KEY), newest first. Only with ENVIRONMENT development or test; 404 in production",
    request: { query: z.object({ to: emailSchema.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) },
    responses: { 200: jsonResponse(z.object({ messages: z.array(outboxMailSchema) }), "Kept mail"), ...errorResponses(400, 404) },
  }),
  async (c) => {
    const rows = await readOutbox(c.get("db"), c.req.valid("query"));
    return c.json({ messages: rows.map((r) => ({ id: r.id, to: r.to, subject: r.subject, text: r.text, html: r.html, created_at: r.createdAt })) }, 200);
  },
);
