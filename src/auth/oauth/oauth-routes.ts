import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { oauthProviderIdSchema, type OAuthProviderId } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { forbidden, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses } from "../../http/openapi-common.ts";
import { newRouter } from "../../http/router.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { authenticate } from "../authenticate.ts";
import { requireSessionPrincipal } from "../../../core/auth/principal.ts";
import { enforceRateLimits, ipKey } from "../rate-limit/rate-limits.ts";
import { startSession } from "../session/start-session.ts";
import { setFlowCookie, takeFlowCookie } from "./flow-cookie.ts";
import { OAuthFailure } from "./oauth-failure.ts";
import { nextPathOn } from "../../http/next-path.ts";
import { oauthProvider } from "./oauth-provider.ts";
import type { OAuthProvider } from "./provider-contract.ts";
import { createOAuthState, redeemOAuthState } from "./oauth-state.ts";
import { linkIdentityToUser, resolveIdentityUser } from "./resolve-identity-user.ts";

export const oauthRoutes = newRouter();

/** Each start writes a D1 row and asks the provider's discovery document: bounded per address. */
const START_PER_IP = { limit: 30, windowSeconds: 60 };


function configured(c: Context<AppEnv>, id: OAuthProviderId): OAuthProvider {
  const provider = oauthProvider(c.get("config"), id);
  if (!provider) throw notFound(`sign-in provider ${id}`);
  return provider;
}

/** Back to the dashboard with a reason it has a message for; logged with the detail, never shown. */
function failed(c: Context<AppEnv>, id: OAuthProviderId, e: OAuthFailure): Response {
  console.warn(`oauth ${id}: ${e.reason}${e.detail ? `: ${e.detail}` : ""}`);
  return c.redirect(`${c.get("config").issuer}/?oauth_error=${e.reason}`, 302);
}

const startQuery = z.object({
  next: z.string().max(512).optional().openapi({ description: "A path on this origin to land on afterwards (default /)" }),
  link: z.literal("1").optional().openapi({ description: "Link the provider to the signed-in account instead of signing in" }),
});

const callbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  // RFC 9207: the authorization server's issuer, which a provider may add to its response.
  iss: z.string().max(500).optional(),
});

const redirectResponse = (description: string) => ({ 302: { description } });

for (const id of oauthProviderIdSchema.options) {
  oauthRoutes.openapi(
    createRoute({
      method: "get",
      path: `/${id}`,
      tags: ["auth"],
      summary: `Sign in with ${id === "oidc" ? "the OpenID Connect provider" : id}: redirects there with state, S256 PKCE${id === "oidc" ? " and a nonce" : ""}`,
      request: { query: startQuery },
      responses: { ...redirectResponse("To the provider (or, on failure, back to the dashboard with ?oauth_error=)"), ...errorResponses(401, 403, 404, 429) },
    }),
    async (c) => {
      const config = c.get("config");
      const provider = configured(c, id);
      const query = c.req.valid("query");
      // The flow cookie and the registered redirect URI live on the canonical origin.
      const here = new URL(c.req.url);
      if (here.origin !== config.issuer) return c.redirect(`${config.issuer}${here.pathname}${here.search}`, 302);

      let linkUserId: string | null = null;
      if (query.link) {
        const principal = requireSessionPrincipal(await authenticate(c));
        // A GET carries the dashboard's cookie even when another site navigates to it; linking
        // is only ever started from the dashboard itself (Fetch Metadata; absent in old browsers).
        const site = c.req.header("sec-fetch-site");
        if (site && site !== "same-origin" && site !== "none") throw forbidden("linking a provider must start from the dashboard");
        linkUserId = principal.userId;
      }
      await enforceRateLimits(c.env, [{ key: ipKey("oauth-start", clientIp(c.req.raw)), rule: START_PER_IP }]);

      const flow = await createOAuthState(c.get("db"), { provider: id, next: nextPathOn(query.next, config.issuer), linkUserId });
      let url: URL;
      try {
        url = await provider.authorizationUrl(flow);
      } catch (e) {
        if (e instanceof OAuthFailure) return failed(c, id, e);
        throw e;
      }
      setFlowCookie(c, config, id, flow.state);
      return c.redirect(url.toString(), 302);
    },
  );

  oauthRoutes.openapi(
    createRoute({
      method: "get",
      path: `/${id}/callback`,
      tags: ["auth"],
      summary: `Where ${id} sends the browser back: checks state and PKCE, reads the profile, signs in or links, and redirects to the dashboard`,
      request: { query: callbackQuery },
      responses: { ...redirectResponse("To the dashboard, signed in (cookies), or with ?oauth_error=<reason>"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const provider = configured(c, id);
      try {
        return await completeFlow(c, provider, c.req.valid("query"));
      } catch (e) {
        if (e instanceof OAuthFailure) return failed(c, id, e);
        throw e;
      }
    },
  );
}

async function completeFlow(c: Context<AppEnv>, provider: OAuthProvider, query: z.infer<typeof callbackQuery>): Promise<Response> {
  const config = c.get("config");
  const db = c.get("db");
  const id = provider.id;
  const ip = clientIp(c.req.raw);

  // 1. The state came back to the browser that started the flow (checked before it is spent, so
  //    a forged callback cannot burn someone's real one).
  const held = takeFlowCookie(c, config, id);
  if (!query.state || !held || held !== query.state) {
    throw new OAuthFailure("state", "E-AUTH-FORBID", query.state ? (held ? "state differs from this browser's flow" : "no flow started in this browser") : "no state");
  }
  // 2. Redeemed once, within 10 minutes, for this provider, with a PKCE verifier to send.
  const redeemed = await redeemOAuthState(db, query.state);
  if (!redeemed.ok) throw new OAuthFailure("state", "E-AUTH-FORBID", redeemed.why);
  const flow = redeemed.data;
  if (flow.provider !== id) throw new OAuthFailure("state", "E-AUTH-FORBID", `state was made for ${flow.provider}`);
  // 3. RFC 9207: a response naming another issuer is a mix-up attack or a misconfiguration.
  if (id === "oidc" && query.iss !== undefined && query.iss !== config.oauth.oidc?.issuer) {
    throw new OAuthFailure("provider", "E-AUTH-FORBID", `response names issuer ${query.iss}`);
  }
  // 4. The person may have said no at the provider.
  if (query.error || !query.code) throw new OAuthFailure("denied", "E-AUTH-UNAUTH", query.error ?? "no code");

  // 5. Code + verifier for tokens, tokens for the profile (the ID token checked, for OIDC).
  const profile = await provider.profile(query.code, { codeVerifier: flow.codeVerifier, nonce: flow.nonce });
  const landing = `${config.issuer}${flow.next}`;

  if (redeemed.linkUserId) {
    const user = await linkIdentityToUser(db, redeemed.linkUserId, id, profile);
    await recordAudit(db, { actorId: user.id, action: "auth.identity_linked", subjectId: user.id, ip, detail: { provider: id } }, eventSink(c));
    return c.redirect(landing, 302);
  }

  const { user, how } = await resolveIdentityUser(db, id, profile, config.registration);
  if (how === "created") await recordAudit(db, { actorId: user.id, action: "auth.register", subjectId: user.id, ip, detail: { provider: id } }, eventSink(c));
  if (how === "linked-by-email") {
    await recordAudit(db, { actorId: user.id, action: "auth.identity_linked", subjectId: user.id, ip, detail: { provider: id, by: "verified_email" } }, eventSink(c));
  }
  const session = await startSession(c, user, id, "cookie");
  await recordAudit(db, { actorId: user.id, action: "auth.login", subjectId: user.id, ip, detail: { session_id: session.session_id, provider: id } }, eventSink(c));
  return c.redirect(landing, 302);
}
