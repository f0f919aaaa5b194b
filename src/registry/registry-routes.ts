import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { AppError } from "../../core/app-error.ts";
import { permit } from "../../core/auth/permit.ts";
import { isApiToken } from "../auth/api-tokens/api-token-store.ts";
import { tokenPrincipal } from "../auth/authenticate.ts";
import { isReservedService, issueRegistryToken, parseRegistryScope, registryNamespace, type RegistryAccess } from "./registry-token.ts";

/**
 * `GET /v2/token?service=&scope=repository:<name>:pull,push`: the Docker token authentication
 * flow. The client sends HTTP Basic with any user name and an API token (`anc_…`) as the
 * password; the token it gets back grants, for each requested repository, the requested actions
 * that the API token's `storage.<uid>.registry[.<name>]` scopes hold — possibly none, as the spec
 * asks, rather than an error.
 */
export const registryRoutes = new Hono<AppEnv>();

function basicPassword(header: string | undefined): string | null {
  const m = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = atob(m[1]!);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : decoded.slice(colon + 1);
}

registryRoutes.get("/v2/token", async (c) => {
  const password = basicPassword(c.req.header("authorization"));
  if (!password || !isApiToken(password)) {
    throw new AppError("E-AUTH-UNAUTH", "send HTTP Basic with an API token (anc_…) as the password", {
      headers: { "WWW-Authenticate": `Basic realm="${c.get("config").issuer}/v2/token"` },
    });
  }
  const principal = await tokenPrincipal(c, password);
  const url = new URL(c.req.url);
  const service = url.searchParams.get("service");
  if (!service || service.length > 255) throw new AppError("E-VALIDATION", "service is required", { fields: [{ path: "service", message: "required" }] });
  if (isReservedService(c.get("config"), service)) throw new AppError("E-VALIDATION", "service must name a registry, not one of Anchorage's own audiences", { fields: [{ path: "service", message: "reserved" }] });
  const namespace = await registryNamespace(principal.userId);
  const access: RegistryAccess[] = [];
  for (const [i, raw] of url.searchParams.getAll("scope").entries()) {
    const scope = parseRegistryScope(raw);
    if (!scope) throw new AppError("E-VALIDATION", `scope must be repository:<name>:<actions>, got ${JSON.stringify(raw.slice(0, 100))}`, { fields: [{ path: `scope.${i}`, message: "malformed" }] });
    const mine = scope.name.startsWith(namespace + "/");
    const resource = { type: "registry" as const, ownerId: principal.userId, repository: scope.name };
    const actions = scope.actions.filter((a) => mine && (a === "pull" || a === "push") && permit(principal, `${a}:registry`, resource));
    access.push({ type: "repository", name: scope.name, actions });
  }
  const { token, expiresIn, issuedAt } = await issueRegistryToken(c.get("config"), principal.userId, service, access);
  return c.json({ token, access_token: token, expires_in: expiresIn, issued_at: issuedAt, namespace });
});
