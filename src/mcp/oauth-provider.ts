import { OAuthProvider, getOAuthApi, type OAuthHelpers, type OAuthProviderOptions } from "@cloudflare/workers-oauth-provider";
import type { Env } from "../../core/env.ts";
import { loadConfig } from "../config.ts";
import { MCP_OAUTH_SCOPES } from "./oauth-scopes.ts";

type Fetcher = { fetch: (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response> };

/** The paths the OAuth provider owns or fronts: the MCP endpoint, its metadata, and /oauth/*. */
export const isOAuthPath = (path: string) => path === "/mcp" || path.startsWith("/oauth/") || path.startsWith("/.well-known/oauth-");

/**
 * OAuth 2.1 for MCP clients, as the MCP authorization spec asks (RFC 9728 protected-resource
 * metadata, RFC 8414 server metadata, dynamic client registration, PKCE), by Cloudflare's
 * workers-oauth-provider; its grants live in OAUTH_KV, hashed and encrypted.
 *
 * The grant's props hold the credential the MCP endpoint acts with: an API token minted at
 * consent (see oauth-consent-routes.ts). Scripts may present an API token (or a session's access
 * token) directly instead; it is passed on as it is and checked like on any other route.
 */
export function mcpOAuthProvider(issuer: string, app: Fetcher): Fetcher {
  return {
    fetch(request, env, ctx) {
      // The provider keeps its helpers on env.OAUTH_PROVIDER once set, and env outlives the
      // request: a copy without them, so these are the helpers of this request's origin.
      const { OAUTH_PROVIDER: _, ...own } = env as Env & { OAUTH_PROVIDER?: unknown };
      return new OAuthProvider<Env>(mcpOAuthOptions(originFor(request, env, issuer), app)).fetch(request, own as Env, ctx);
    },
  };
}

/**
 * Which of APP_ORIGIN's origins a request came to: each one is its own protected resource
 * (`<origin>/mcp`) and authorization server (RFC 9728 §3.3 wants the metadata's `resource` to be
 * the URL the client used, RFC 8414 §3.3 the `issuer` to be where the metadata was fetched), so a
 * client configured with http://127.0.0.1:8787/mcp discovers and signs in just as one with
 * http://localhost:8787/mcp does. Grants and clients are shared; a token is bound to the origin
 * it was issued for (its audience). Any other origin gets the canonical one's.
 */
function originFor(request: Request, env: Env, canonical: string): string {
  const origin = new URL(request.url).origin;
  try {
    return loadConfig(env).origins.includes(origin) ? origin : canonical;
  } catch {
    return canonical;
  }
}

/**
 * The provider's helpers (grants, clients) outside its own routes: env.OAUTH_PROVIDER is only
 * set on the requests the provider fronts, and signing out everywhere is not one of them.
 */
export const mcpOAuthApi = (env: Env, issuer: string): OAuthHelpers =>
  getOAuthApi(mcpOAuthOptions(issuer, { fetch: () => new Response(null, { status: 404 }) }), env);

function mcpOAuthOptions(issuer: string, app: Fetcher): OAuthProviderOptions<Env> {
  return {
    apiRoute: "/mcp",
    apiHandler: {
      fetch(request, env, ctx) {
        const props = (ctx as ExecutionContext & { props?: { authorization?: string } }).props;
        if (!props?.authorization) return new Response("no credential", { status: 401 });
        const headers = new Headers(request.headers);
        headers.set("authorization", props.authorization);
        return app.fetch(new Request(request, { headers }), env, ctx);
      },
    },
    defaultHandler: { fetch: (request, env, ctx) => app.fetch(request, env, ctx) },
    authorizeEndpoint: "/oauth/authorize",
    tokenEndpoint: "/oauth/token",
    clientRegistrationEndpoint: "/oauth/register",
    scopesSupported: Object.keys(MCP_OAUTH_SCOPES),
    resourceMetadata: { resource: `${issuer}/mcp`, resource_name: "Anchorage" },
    accessTokenTTL: 3600,
    async resolveExternalToken({ token }) {
      // Our own credentials (anc_… API tokens, session JWTs): validated by the MCP route itself.
      if (!token.startsWith("anc_") && token.split(".").length !== 3) return null;
      return { props: { authorization: `Bearer ${token}` }, audience: `${issuer}/mcp` };
    },
  };
}
