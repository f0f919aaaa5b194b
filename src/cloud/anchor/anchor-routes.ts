import { accessColumns } from "../../../core/instances/proxy-access-columns.ts";
import { createRoute } from "@hono/zod-openapi";
import { calculateJwkThumbprint } from "jose";
import { eq } from "drizzle-orm";
import {
  agentChallengeRequestSchema,
  anchorTokenResponseSchema,
  MAX_PROXY_RELAYS,
  registerInstanceRequestSchema,
  registerInstanceResponseSchema,
  requestAnchorTokenAsSchema,
  requestAnchorTokenSchema,
} from "@anchorage/common";
import { z } from "zod";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound, unauthenticated } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { instances, users } from "../../../core/db/schema.ts";
import { newId, nowIso } from "../../../core/ids.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { authenticate } from "../../auth/authenticate.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { verifyCredentials } from "../../auth/password/verify-credentials.ts";
import { hasSecondFactor } from "../../auth/two-factor/has-second-factor.ts";
import { findUserByEmail, findUserById, isUniqueViolation } from "../../../core/users/users.ts";
import { findInstance } from "../../../core/instances/instance-store.ts";
import { ANCHOR_TOKEN_TTL_SECONDS, consumeAnchorToken, issueAnchorToken } from "./anchor-token.ts";
import { verifyAgentProof } from "./agent-auth.ts";
import { withoutInternalHeaders } from "../../http/internal-headers.ts";
import { relayObjectName } from "../../../core/rpc/proxy-exchange.ts";

export const anchorRoutes = newRouter();
const tags = ["anchoring"];

anchorRoutes.openapi(
  createRoute({
    method: "post", path: "/api/cloud/request-anchor-token", tags,
    summary: "Exchange email and password for a 10-minute, single-use token that anchors one instance",
    request: { body: jsonBody(requestAnchorTokenSchema) },
    responses: { 200: jsonResponse(anchorTokenResponseSchema, "The anchor token"), ...errorResponses(400, 401, 403, 429) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const user = await verifyCredentials(c, body.email, body.password);
    // A password alone is never enough for an account with a second factor (a passkey or TOTP).
    if (await hasSecondFactor(c.get("db"), user.id)) {
      throw new AppError("E-AUTH-FORBID", "this account signs in with a second factor (a passkey or an authenticator app): anchor with the browser sign-in (no --email) or an API token");
    }
    const token = await issueAnchorToken(c.get("db"), user.id, user.id);
    await recordAudit(c.get("db"), { actorId: user.id, action: "cloud.anchor_token_issued", subjectId: user.id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json({ anchor_token: token, expires_in: ANCHOR_TOKEN_TTL_SECONDS, user: { id: user.id, email: user.email } }, 200);
  },
);

anchorRoutes.openapi(
  createRoute({
    method: "post", path: "/api/cloud/request-anchor-token/mine", tags, ...signedIn,
    summary: "A signed-in caller (a session, or an API token with `anchor` on cloud.<uid>.instances) gets a token that anchors one instance for them",
    responses: { 200: jsonResponse(anchorTokenResponseSchema, "The anchor token"), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "anchor:cloud_instance", { type: "account", ownerId: p.userId });
    const token = await issueAnchorToken(c.get("db"), p.userId, p.userId);
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.anchor_token_issued", subjectId: p.userId, ip: clientIp(c.req.raw), detail: actorDetail(p) }, eventSink(c));
    return c.json({ anchor_token: token, expires_in: ANCHOR_TOKEN_TTL_SECONDS, user: { id: p.user.id, email: p.user.email } }, 200);
  },
);

anchorRoutes.openapi(
  createRoute({
    method: "post", path: "/api/cloud/request-anchor-token-as", tags, ...signedIn,
    summary: "An admin gets an anchor token that registers an instance owned by another user",
    request: { body: jsonBody(requestAnchorTokenAsSchema) },
    responses: { 200: jsonResponse(anchorTokenResponseSchema, "The anchor token"), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const p = c.get("principal");
    assertPermit(p, "admin:users", { type: "system" });
    const body = c.req.valid("json");
    const db = c.get("db");
    const user = body.user_id ? await findUserById(db, body.user_id) : body.email ? await findUserByEmail(db, body.email) : undefined;
    if (!user || user.disabledAt) throw notFound("user");
    const token = await issueAnchorToken(db, user.id, p.userId);
    await recordAudit(db, { actorId: p.userId, action: "cloud.anchor_token_issued", subjectId: user.id, ip: clientIp(c.req.raw) }, eventSink(c));
    return c.json({ anchor_token: token, expires_in: ANCHOR_TOKEN_TTL_SECONDS, user: { id: user.id, email: user.email } }, 200);
  },
);

anchorRoutes.openapi(
  createRoute({
    method: "post", path: "/api/cloud/instances/register", tags,
    summary: "Register an instance and its public key (with an anchor token, or as the signed-in user)",
    request: { body: jsonBody(registerInstanceRequestSchema) },
    responses: { 201: jsonResponse(registerInstanceResponseSchema, "Registered"), ...errorResponses(400, 401, 403, 409) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    let ownerId: string;
    if (body.anchor_token) {
      const userId = await consumeAnchorToken(db, body.anchor_token);
      if (!userId) throw unauthenticated("anchor token invalid, used or expired");
      ownerId = userId;
    } else {
      // A session, or an API token holding `anchor` on the user's instances.
      const p = await authenticate(c);
      assertPermit(p, "anchor:cloud_instance", { type: "account", ownerId: p.userId });
      ownerId = p.userId;
    }
    const owner = await findUserById(db, ownerId);
    if (!owner || owner.disabledAt) throw unauthenticated("the anchoring user is disabled");
    const fingerprint = await calculateJwkThumbprint({ kty: "EC", crv: "P-256", x: body.public_key.x, y: body.public_key.y });
    const id = newId("ins");
    try {
      await db.insert(instances).values({
        id,
        ownerId,
        name: body.name,
        publicKey: { kty: "EC", crv: "P-256", x: body.public_key.x, y: body.public_key.y },
        fingerprint,
        hostname: body.hostname ?? null,
        platform: body.platform ?? null,
        arch: body.arch ?? null,
        agentVersion: body.agent_version ?? null,
        proxySlug: body.proxy?.slug ?? null,
        proxyTarget: body.proxy?.target ?? null,
        ...(body.proxy ? { ...accessColumns(body.proxy.access), proxyAccessConfig: JSON.stringify(body.proxy.access) } : {}),
        status: "offline",
        createdAt: nowIso(),
        lastSeenAt: null,
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("E-CONFLICT", `proxy slug "${body.proxy?.slug}" is taken; choose another in config.yaml`);
      throw e;
    }
    await recordAudit(db, { actorId: ownerId, action: "cloud.instance_registered", subjectId: id, ip: clientIp(c.req.raw), detail: { name: body.name, fingerprint } }, eventSink(c));
    return c.json({ instance_id: id, owner_id: ownerId, fingerprint }, 201);
  },
);

anchorRoutes.openapi(
  createRoute({
    method: "post", path: "/agent/challenge", tags,
    summary: "A single-use nonce (60 s) the agent signs with its private key to connect",
    request: { body: jsonBody(agentChallengeRequestSchema) },
    responses: { 200: jsonResponse(z.object({ nonce: z.string() }), "The nonce"), ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { instance_id } = c.req.valid("json");
    if (!(await findInstance(c.get("db"), instance_id))) throw notFound("instance");
    const nonce = await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance_id)).challenge();
    return c.json({ nonce }, 200);
  },
);

/**
 * The agent's socket: `GET /agent/connect?instance_id=…` with `Authorization: Bearer <proof>`
 * (see agent-auth.ts) and `Upgrade: websocket`. Verified here, then handed to the InstanceDO;
 * with `&relay=k`, one of the proxy's extra relay sockets (docs/features.md, `proxy.relays`).
 */
anchorRoutes.get("/agent/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new AppError("E-VALIDATION", "expected a WebSocket upgrade");
  const instanceId = z.string().min(1).max(64).safeParse(c.req.query("instance_id"));
  if (!instanceId.success) throw new AppError("E-VALIDATION", "instance_id is required", { fields: [{ path: "instance_id", message: "required" }] });
  const relay = z.coerce.number().int().min(1).max(MAX_PROXY_RELAYS - 1).optional().safeParse(c.req.query("relay"));
  if (!relay.success) throw new AppError("E-VALIDATION", `relay must be 1 to ${MAX_PROXY_RELAYS - 1}`, { fields: [{ path: "relay", message: relay.error.issues[0]?.message ?? "invalid" }] });
  const proof = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!proof) throw unauthenticated("agent proof required");
  const db = c.get("db");
  const instance = await findInstance(db, instanceId.data);
  // A deleted instance's credential stops working here: there is no key to check against.
  if (!instance) throw unauthenticated("unknown instance");
  const owner = await db.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, instance.ownerId)).get();
  if (!owner || owner.disabledAt) throw new AppError("E-AUTH-FORBID", "the instance's owner is disabled");
  const { nonce } = await verifyAgentProof(instance, proof);
  const headers = withoutInternalHeaders(c.req.raw.headers);
  headers.set("x-anchorage-instance", instance.id);
  headers.set("x-anchorage-owner", instance.ownerId);
  headers.set("x-anchorage-nonce", nonce);
  headers.delete("authorization");
  const main = c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id));
  if (relay.data === undefined) return main.fetch(new Request(c.req.raw, { headers }));
  // One of the proxy's extra relay sockets: the same signed challenge, spent in the InstanceDO
  // (single use), then a socket to the relay object, which carries proxy streams only.
  const spent = await main.spendRelayChallenge(nonce);
  if (spent === "unknown") throw unauthenticated("challenge unknown, used or expired");
  if (spent === "offline") throw new AppError("E-INSTANCE-OFFLINE", "a relay socket joins a connected agent: connect the agent's own socket first");
  headers.set("x-anchorage-relay", String(relay.data));
  return c.env.PROXY_RELAY.get(c.env.PROXY_RELAY.idFromName(relayObjectName(instance.id, relay.data))).fetch(new Request(c.req.raw, { headers }));
});
