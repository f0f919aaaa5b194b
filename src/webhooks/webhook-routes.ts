import { createRoute, z } from "@hono/zod-openapi";
import { base64url } from "jose";
import { newRouter } from "../http/router.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../http/openapi-common.ts";
import { AppError, notFound } from "../../core/app-error.ts";
import { clientIp } from "../http/client-ip.ts";
import { sessionPrincipal } from "../auth/require-user.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import { recordAudit } from "../audit/audit-log.ts";
import { eventSink } from "../audit/event-sink.ts";
import type { WebhookDeliveryRow, WebhookRow } from "../../core/db/schema.ts";
import { eventPatternSchema } from "./event-patterns.ts";
import { checkWebhookUrl } from "./webhook-url.ts";
import { countWebhooksOf, createWebhook, deleteWebhook, deliveriesOf, findWebhook, MAX_WEBHOOKS_PER_USER, webhooksOf, type DeliveryCursor } from "./webhook-store.ts";

/**
 * `/api/webhooks`: a signed-in person's webhooks. Only a session manages them (an API token is
 * refused), since a webhook sends the account's events to any address it names.
 */
export const webhookRoutes = newRouter();
const tags = ["webhooks"];

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
const createdWebhookSchema = webhookSchema.extend({
  secret: z.string().describe("The signing secret, shown only now: deliveries carry X-Anchorage-Signature made with it"),
});
const createWebhookRequestSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z.array(eventPatternSchema).min(1).max(20),
});
const deliverySchema = z.object({
  id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  state: z.enum(["pending", "delivered", "dead"]),
  attempts: z.number().int(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
const idParam = z.object({ id: z.string().min(1).max(64) });

const toWebhookView = (w: WebhookRow): z.infer<typeof webhookSchema> => ({ id: w.id, url: w.url, events: w.events, enabled: w.enabled, created_at: w.createdAt, updated_at: w.updatedAt });
const toDeliveryView = (d: WebhookDeliveryRow): z.infer<typeof deliverySchema> => ({
  id: d.id, event_id: d.eventId, event_type: d.eventType, state: d.state as "pending" | "delivered" | "dead", attempts: d.attempts,
  last_status: d.lastStatus, last_error: d.lastError, created_at: d.createdAt, updated_at: d.updatedAt,
});

// The deliveries cursor is the last row's (created_at, id), opaque to clients.
const cursorSchema = z.tuple([z.string().max(40), z.string().max(64)]);
const encodeCursor = (c: DeliveryCursor) => base64url.encode(JSON.stringify([c.createdAt, c.id]));
function decodeCursor(raw: string): DeliveryCursor {
  try {
    const [createdAt, id] = cursorSchema.parse(JSON.parse(new TextDecoder().decode(base64url.decode(raw))));
    return { createdAt, id };
  } catch {
    throw new AppError("E-VALIDATION", "invalid query: cursor: not a cursor this API gave", { fields: [{ path: "cursor", message: "not a cursor this API gave" }] });
  }
}

webhookRoutes.openapi(
  createRoute({ method: "post", path: "/", tags, ...signedInSession,
    summary: "Register a webhook for events matching its patterns (`cloud.*`, `auth.session.*`); the signing secret is shown once",
    request: { body: jsonBody(createWebhookRequestSchema) },
    responses: { 201: jsonResponse(createdWebhookSchema, "The webhook, with its secret"), ...errorResponses(400, 401, 403, 409) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const body = c.req.valid("json");
    const url = checkWebhookUrl(body.url, c.get("config").environment);
    const db = c.get("db");
    if ((await countWebhooksOf(db, p.userId)) >= MAX_WEBHOOKS_PER_USER) {
      throw new AppError("E-CONFLICT", `you have ${MAX_WEBHOOKS_PER_USER} webhooks already; delete one first`);
    }
    const row = await createWebhook(db, p.userId, { url, events: [...new Set(body.events)] });
    // Only the host goes in the audit log: some receivers put a secret in the path.
    await recordAudit(db, { actorId: p.userId, action: "settings.webhook_created", subjectId: row.id, ip: clientIp(c.req.raw), detail: { host: new URL(url).host, events: row.events } }, eventSink(c));
    return c.json({ ...toWebhookView(row), secret: row.secret }, 201);
  },
);

webhookRoutes.openapi(
  createRoute({ method: "get", path: "/", tags, ...signedInSession, summary: "Your webhooks (never their secrets)",
    responses: { 200: jsonResponse(z.object({ webhooks: z.array(webhookSchema) }), "Webhooks"), ...errorResponses(401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    return c.json({ webhooks: (await webhooksOf(c.get("db"), p.userId)).map(toWebhookView) }, 200);
  },
);

webhookRoutes.openapi(
  createRoute({ method: "delete", path: "/{id}", tags, ...signedInSession, summary: "Delete a webhook of yours, and its delivery history; nothing more is sent to it",
    request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const row = await deleteWebhook(db, p.userId, c.req.valid("param").id);
    if (!row) throw notFound("webhook");
    await recordAudit(db, { actorId: p.userId, action: "settings.webhook_deleted", subjectId: row.id, ip: clientIp(c.req.raw), detail: { host: new URL(row.url).host } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);

webhookRoutes.openapi(
  createRoute({ method: "get", path: "/{id}/deliveries", tags, ...signedInSession, summary: "A webhook's deliveries, newest first: state, attempts, the receiver's last status or error",
    request: { params: idParam, query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() }) },
    responses: { 200: jsonResponse(z.object({ deliveries: z.array(deliverySchema), next_cursor: z.string().nullable() }), "One page of deliveries"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    const hook = await findWebhook(db, p.userId, c.req.valid("param").id);
    if (!hook) throw notFound("webhook");
    const q = c.req.valid("query");
    const { rows, next } = await deliveriesOf(db, hook.id, q.limit, q.cursor ? decodeCursor(q.cursor) : undefined);
    return c.json({ deliveries: rows.map(toDeliveryView), next_cursor: next ? encodeCursor(next) : null }, 200);
  },
);
