import { sessionPrincipal } from "../require-user.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { authConfigSchema, userSchema } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { signedInSession, errorResponses, jsonResponse } from "../../http/openapi-common.ts";
import { pageQuerySchema } from "../../http/pagination.ts";
import { listUsers } from "../../users/list-users.ts";
import { toPublicUser } from "../../../core/users/users.ts";
import { handleUpdateProfile, updateProfileRoute } from "../../users/profile-route.ts";
import { assertPermit } from "../../../core/auth/permit.ts";
import { configuredProviders } from "../oauth/oauth-config.ts";
import { providerLabel } from "../oauth/oauth-provider.ts";
import { magicLinksEnabled } from "../magic-link/magic-link-routes.ts";

export const accountRoutes = newRouter();

accountRoutes.openapi(
  createRoute({
    method: "get",
    path: "/config",
    tags: ["auth"],
    summary: "What sign-in methods this deployment offers",
    responses: { 200: jsonResponse(authConfigSchema, "Sign-in configuration") },
  }),
  (c) => {
    const providers = configuredProviders(c.get("config").oauth);
    return c.json(
      {
        registration: c.get("config").registration,
        providers,
        provider_names: Object.fromEntries(providers.map((id) => [id, providerLabel(c.get("config"), id)])),
        password_policy: { min_length: 12, max_length: 128 },
        magic_link: magicLinksEnabled(c.get("config")),
        passkeys: true,
      },
      200,
    );
  },
);

accountRoutes.openapi(
  createRoute({
    method: "get",
    path: "/user",
    tags: ["auth"],
    summary: "The signed-in user",
    ...signedInSession,
    responses: { 200: jsonResponse(userSchema, "The user"), ...errorResponses(401) },
  }),
  (c) => {
    const p = sessionPrincipal(c);
    assertPermit(p, "read:account", { type: "account", ownerId: p.userId });
    return c.json(toPublicUser(p.user), 200);
  },
);

accountRoutes.openapi(updateProfileRoute("/user", "auth"), handleUpdateProfile);

accountRoutes.openapi(
  createRoute({
    method: "get",
    path: "/users",
    tags: ["auth", "admin"],
    summary: "All users (admin)",
    ...signedInSession,
    request: { query: pageQuerySchema },
    responses: { 200: jsonResponse(z.object({ users: z.array(userSchema) }), "Users"), ...errorResponses(401, 403) },
  }),
  async (c) => {
    assertPermit(c.get("principal"), "admin:users", { type: "system" });
    const rows = await listUsers(c.get("db"), c.req.valid("query"));
    return c.json({ users: rows.map(toPublicUser) }, 200);
  },
);
