import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { AppError } from "../../core/app-error.ts";
import { clientIp } from "../http/client-ip.ts";
import { authenticate, bearerToken } from "../auth/authenticate.ts";
import { handleMcp } from "./mcp-handler.ts";

/** Where an MCP client learns how to get a token (RFC 9728 §3.1: the well-known prefix, then the resource's path), named in every 401 from /mcp. */
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource/mcp";

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP. Bearer credentials only (an API token,
 * or a session's access token): a cookie would let any web page drive a user's machines.
 */
export async function mcpRoute(c: Context<AppEnv>, dispatch: (req: Request) => Promise<Response>): Promise<Response> {
  const challenge = `Bearer resource_metadata="${new URL(c.req.url).origin}${PROTECTED_RESOURCE_PATH}"`;
  let principal;
  try {
    if (!bearerToken(c.req.raw)) throw new AppError("E-AUTH-UNAUTH", "send Authorization: Bearer <API token or access token>");
    principal = await authenticate(c);
  } catch (e) {
    if (e instanceof AppError && e.code === "E-AUTH-UNAUTH") {
      throw new AppError("E-AUTH-UNAUTH", e.message, { headers: { "WWW-Authenticate": `${challenge}, error="invalid_token"` } });
    }
    throw e;
  }
  return handleMcp({
    request: c.req.raw,
    env: c.env,
    principal,
    authorization: c.req.header("authorization")!,
    clientIp: clientIp(c.req.raw),
    dispatch,
  });
}
