import { sessionPrincipal } from "../auth/require-user.ts";
import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import { updateUserRequestSchema, userSchema } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { errorResponses, jsonBody, jsonResponse, signedInSession } from "../http/openapi-common.ts";
import { assertPermit } from "../auth/permit.ts";
import { toPublicUser } from "./users.ts";
import { updateProfile } from "./update-profile.ts";

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
  return c.json(toPublicUser(await updateProfile(c.get("db"), p.userId, c.req.valid("json"))), 200);
};
