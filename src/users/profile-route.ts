import { sessionPrincipal } from "../auth/require-user.ts";
import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { updateUserRequestSchema, userSchema } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../http/openapi-common.ts";
import { assertPermit } from "../../core/auth/permit.ts";
import { toPublicUser } from "../../core/users/users.ts";
import { updateProfile } from "./update-profile.ts";
import { recordAudit } from "../audit/audit-log.ts";
import { eventSink } from "../audit/event-sink.ts";
import { clientIp } from "../http/client-ip.ts";

/**
 * "Update your profile", served at two paths: `PUT /auth/user` (the auth services'
 * path) and `PUT /api/settings/profile` (CloudM's). One definition, one handler.
 */
export const updateProfileRoute = (path: string, tag: string) =>
  createRoute({
    method: "put",
    path,
    tags: [tag],
    summary: "Update the signed-in user's profile",
    ...signedInSession,
    request: { body: jsonBody(updateUserRequestSchema) },
    responses: { 200: jsonResponse(userSchema, "The updated user"), ...errorResponses(400, 401, 403) },
  });

export const handleUpdateProfile: RouteHandler<ReturnType<typeof updateProfileRoute>, AppEnv> = async (c) => {
  const p = sessionPrincipal(c);
  assertPermit(p, "update:account", { type: "account", ownerId: p.userId });
  const changes = c.req.valid("json");
  const user = await updateProfile(c.get("db"), p.userId, changes);
  await recordAudit(c.get("db"), { actorId: p.userId, action: "settings.profile_updated", subjectId: p.userId, ip: clientIp(c.req.raw), detail: { changed: Object.keys(changes) } }, eventSink(c));
  return c.json(toPublicUser(user), 200);
};
