import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { authenticate } from "./authenticate.ts";
import { readAccessCookie } from "./cookies.ts";
import type { Principal } from "../../core/auth/principal.ts";

/**
 * For what anyone may do (read public data): the caller when they present a credential, else
 * null. A credential that is presented and bad is still a 401, never a silent anonymous request.
 */
export async function authenticateIfPresent(c: Context<AppEnv>): Promise<Principal | null> {
  if (c.req.header("authorization") === undefined && !readAccessCookie(c)) return null;
  return authenticate(c);
}
