import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { base64url } from "jose";
import {
  alertHistoryEntrySchema, alertViewSchema, createAlertSchema, patchAlertSchema, MAX_ALERTS_PER_USER,
  type AlertHistoryEntry, type AlertInstanceState, type AlertView,
} from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { newRouter } from "../http/router.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../http/openapi-common.ts";
import { AppError, notFound } from "../../core/app-error.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import type { AlertHistoryRow } from "../../core/db/schema.ts";
import { clientIp } from "../http/client-ip.ts";
import { sessionPrincipal } from "../auth/require-user.ts";
import { recordAudit } from "../audit/audit-log.ts";
import { eventSink } from "../audit/event-sink.ts";
import { resolveTarget } from "../cloud/fleet/fleet-target.ts";
import { checkChannels } from "./alert-channels.ts";
import {
  alertsOf, countAlertsOf, createAlert, deleteAlert, findAlert, historyOf, setAlertEnabled, toAlertConfig,
  type AlertWithTarget, type HistoryCursor,
} from "./alert-store.ts";

/**
 * `/api/alerts`: a signed-in person's alerts. Only a session manages them (an API token is
 * refused), as with webhooks: an alert keeps sending what it watches to the addresses it names.
 */
export const alertRoutes = newRouter();
const tags = ["alerts"];
const idParam = z.object({ id: z.string().min(1).max(64) });

const stubOf = (c: Context<AppEnv>, id: string) => c.env.ALERT.get(c.env.ALERT.idFromName(id));

function toView(a: AlertWithTarget, instances: AlertInstanceState[], withSecrets = false): AlertView {
  const states = new Set(instances.map((i) => i.state));
  return {
    id: a.id, name: a.name, target: a.target, condition: a.condition, enabled: a.enabled,
    channels: a.channels.map((ch) => (ch.type === "email" ? ch : ch.type === "webhook" && withSecrets ? ch : { type: ch.type, url: ch.url })),
    state: !a.enabled ? "disabled" : states.has("firing") ? "firing" : states.has("pending") ? "pending" : "ok",
    instances, created_at: a.createdAt, updated_at: a.updatedAt,
  };
}

const toEntry = (r: AlertHistoryRow): AlertHistoryEntry => ({
  id: r.id, at: r.at, kind: r.kind as AlertHistoryEntry["kind"], instanceId: r.instanceId, instanceName: r.instanceName,
  eventId: r.eventId, channel: r.channel, attempt: r.attempt, detail: r.detail,
});

const cursorSchema = z.tuple([z.string().max(40), z.string().max(64)]);
function decodeCursor(raw: string): HistoryCursor {
  try {
    const [at, id] = cursorSchema.parse(JSON.parse(new TextDecoder().decode(base64url.decode(raw))));
    return { at, id };
  } catch {
    throw new AppError("E-VALIDATION", "invalid query: cursor: not a cursor this API gave", { fields: [{ path: "cursor", message: "not a cursor this API gave" }] });
  }
}

/** The owner's alert, or a 404 (another's alert is not found, never forbidden). */
async function load(c: Context<AppEnv>, id: string) {
  const p = sessionPrincipal(c);
  assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
  const a = await findAlert(c.get("db"), p.userId, id);
  if (!a) throw notFound("alert");
  return { p, a };
}

alertRoutes.openapi(
  createRoute({ method: "post", path: "/", tags, ...signedInSession,
    summary: "Create an alert: a condition (offline, or a metric above a percent) held for `forSeconds` on any machine of a target fires once per machine, and resolves once; messages go to its channels",
    request: { body: jsonBody(createAlertSchema) },
    responses: { 201: jsonResponse(alertViewSchema, "The alert; each webhook channel with its signing secret, shown only now"), ...errorResponses(400, 401, 403, 409) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const body = c.req.valid("json");
    const db = c.get("db");
    const channels = checkChannels(body.channels, c.get("config").environment);
    // Watching needs only read: what a single GET of each machine would need. Nothing matched is a 400.
    const { members } = await resolveTarget(db, p, body.target, "read:cloud_instance");
    // A list of machines none of which the caller may read watches nothing: as much a 400 as an empty tag.
    if (members.length === 0) throw new AppError("E-VALIDATION", "target matches no instance you may read", { fields: [{ path: "target.instanceIds", message: "matches no instance you may read" }] });
    if ((await countAlertsOf(db, p.userId)) >= MAX_ALERTS_PER_USER) throw new AppError("E-CONFLICT", `you have ${MAX_ALERTS_PER_USER} alerts already; delete one first`);
    const row = await createAlert(db, p.userId, { name: body.name, target: body.target, condition: body.condition, channels, enabled: body.enabled });
    await stubOf(c, row.id).configure(toAlertConfig(row));
    // Only hosts go in the audit log: an incoming-webhook URL is itself a secret.
    const hosts = channels.map((ch) => (ch.type === "email" ? "email" : new URL(ch.url).host));
    await recordAudit(db, { actorId: p.userId, action: "cloud.alert_created", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name: row.name, channels: hosts } }, eventSink(c));
    return c.json(toView(row, await stubOf(c, row.id).status(), true), 201);
  },
);

alertRoutes.openapi(
  createRoute({ method: "get", path: "/", tags, ...signedInSession, summary: "Your alerts, each with every machine's state (ok, pending, firing)",
    responses: { 200: jsonResponse(z.object({ alerts: z.array(alertViewSchema) }), "Alerts"), ...errorResponses(401, 403) } }),
  async (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    const rows = await alertsOf(c.get("db"), p.userId);
    const states = await Promise.all(rows.map((a) => stubOf(c, a.id).status()));
    return c.json({ alerts: rows.map((a, i) => toView(a, states[i]!)) }, 200);
  },
);

alertRoutes.openapi(
  createRoute({ method: "get", path: "/{id}", tags, ...signedInSession, summary: "One alert of yours with every machine's state",
    request: { params: idParam },
    responses: { 200: jsonResponse(alertViewSchema, "The alert"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const { a } = await load(c, c.req.valid("param").id);
    return c.json(toView(a, await stubOf(c, a.id).status()), 200);
  },
);

alertRoutes.openapi(
  createRoute({ method: "get", path: "/{id}/history", tags, ...signedInSession,
    summary: "An alert's history, newest first: each machine's firing and resolved, and each channel's delivery (delivered, failed and retried, gave up)",
    request: { params: idParam, query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() }) },
    responses: { 200: jsonResponse(z.object({ history: z.array(alertHistoryEntrySchema), next_cursor: z.string().nullable() }), "One page of history"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const { p, a } = await load(c, c.req.valid("param").id);
    const { limit, cursor } = c.req.valid("query");
    const rows = await historyOf(c.get("db"), p.userId, a.id, limit + 1, cursor ? decodeCursor(cursor) : undefined);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next = rows.length > limit && last ? base64url.encode(JSON.stringify([last.at, last.id])) : null;
    return c.json({ history: page.map(toEntry), next_cursor: next }, 200);
  },
);

alertRoutes.openapi(
  createRoute({ method: "patch", path: "/{id}", tags, ...signedInSession,
    summary: "Enable or disable an alert. Disabled, nothing is evaluated and the machines' states are forgotten; enabled again, it starts from the machines' state now",
    request: { params: idParam, body: jsonBody(patchAlertSchema) },
    responses: { 200: jsonResponse(alertViewSchema, "The alert"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const { p, a } = await load(c, c.req.valid("param").id);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const { enabled } = c.req.valid("json");
    const db = c.get("db");
    await setAlertEnabled(db, p.userId, a.id, enabled);
    const row = (await findAlert(db, p.userId, a.id))!;
    await stubOf(c, a.id).configure(toAlertConfig(row));
    await recordAudit(db, { actorId: p.userId, action: "cloud.alert_updated", subjectId: a.id, ip: clientIp(c.req.raw), detail: { enabled } }, eventSink(c));
    return c.json(toView(row, await stubOf(c, a.id).status()), 200);
  },
);

alertRoutes.openapi(
  createRoute({ method: "delete", path: "/{id}", tags, ...signedInSession, summary: "Delete an alert with its history; its timers and pending messages go with it",
    request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const { p, a } = await load(c, c.req.valid("param").id);
    assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
    const db = c.get("db");
    if (!(await deleteAlert(db, p.userId, a.id))) throw notFound("alert");
    await stubOf(c, a.id).clear();
    await recordAudit(db, { actorId: p.userId, action: "cloud.alert_deleted", subjectId: a.id, ip: clientIp(c.req.raw), detail: { name: a.name } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);
