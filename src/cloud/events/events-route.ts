import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { AppError } from "../../../core/app-error.ts";
import { authenticate } from "../../auth/authenticate.ts";
import { withoutInternalHeaders } from "../../http/internal-headers.ts";
import { assertSocketOrigin } from "../../http/csrf.ts";

/**
 * `GET /api/events`: a signed-in user's live event socket (cookie or Bearer), held by
 * their UserHubDO. Which events reach it is decided per event by who may see the instance.
 */
export const eventsRoute = new Hono<AppEnv>();

eventsRoute.get("/api/events", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new AppError("E-VALIDATION", "expected a WebSocket upgrade");
  const principal = await authenticate(c);
  assertSocketOrigin(c.req.raw, principal.via, c.get("config"));
  const headers = withoutInternalHeaders(c.req.raw.headers);
  headers.set("x-anchorage-user", principal.userId);
  // A token's socket is closed when the token is revoked, and hears only what its scopes cover.
  headers.set("x-anchorage-session", principal.kind === "token" ? principal.tokenId : principal.sessionId);
  if (principal.kind === "token") headers.set("x-anchorage-scopes", JSON.stringify(principal.scopes));
  headers.delete("authorization");
  headers.delete("cookie");
  return c.env.USER_HUB.get(c.env.USER_HUB.idFromName(principal.userId)).fetch(new Request(c.req.raw, { headers }));
});
