import { Hono, type Context } from "hono";
import { AuthorizationError, CimdFetchError, type AuthRequest, type OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { AppEnv } from "../http/app-env.ts";
import { AppError } from "../../core/app-error.ts";
import { clientIp } from "../http/client-ip.ts";
import { authenticate } from "../auth/authenticate.ts";
import { requireSessionPrincipal, type SessionPrincipal } from "../../core/auth/principal.ts";
import { issueApiToken } from "../auth/api-tokens/api-token-store.ts";
import { expiryFrom } from "../auth/api-tokens/token-views.ts";
import { recordAudit } from "../audit/audit-log.ts";
import { eventSink } from "../audit/event-sink.ts";
import { consentPage } from "./oauth-consent-page.ts";
import { grantScopesFor } from "./oauth-grant-scopes.ts";
import { isMcpOAuthScope } from "./oauth-scopes.ts";

/** Days an MCP client's token lives; its OAuth grant (30 days) ends before it. */
const MCP_TOKEN_DAYS = 31;

/**
 * `/oauth/authorize`: the MCP client's sign-in lands here. A person signed in to the dashboard
 * (else they are sent to sign in and brought back) sees the consent page; Allow mints an API
 * token with the chosen permissions and completes the OAuth grant with it.
 */
export const oauthConsentRoutes = new Hono<AppEnv>();

const helpers = (c: Context<AppEnv>): OAuthHelpers => {
  const h = (c.env as { OAUTH_PROVIDER?: OAuthHelpers }).OAUTH_PROVIDER;
  if (!h) throw new AppError("E-NOT-FOUND", "OAuth is served through the MCP provider");
  return h;
};

async function signedInPerson(c: Context<AppEnv>): Promise<SessionPrincipal | null> {
  try {
    return requireSessionPrincipal(await authenticate(c));
  } catch (e) {
    if (e instanceof AppError && e.code === "E-AUTH-UNAUTH") return null;
    throw e;
  }
}

/**
 * A refused authorization request. Once the client and its redirect URI are known good, the
 * browser goes back to the client with the error (RFC 6749 §4.1.2.1); before that, it is shown
 * here as a 400, never redirected (an unregistered URI must not become an open redirect).
 * The redirect is a Response of our own: Response.redirect()'s headers are immutable, and the
 * secure-headers middleware that sets headers on every response would turn it into a 500.
 */
function authorizationFailure(e: unknown): Response {
  if (e instanceof AuthorizationError && e.redirectTo) return new Response(null, { status: 302, headers: { location: e.redirectTo } });
  if (e instanceof AuthorizationError) throw new AppError("E-VALIDATION", `cannot authorize: ${e.description}`, { fields: [{ path: "redirect_uri", message: e.description }] });
  if (e instanceof CimdFetchError) throw new AppError("E-VALIDATION", "cannot authorize: this app could not be verified", { fields: [{ path: "client_id", message: "client metadata could not be fetched" }] });
  throw e;
}

/**
 * OAuth 2.1 (§4.1.1) and RFC 9700 §2.1.1 ask PKCE of every client, confidential ones too; the
 * provider asks it only of public clients. A request without a challenge goes back with
 * invalid_request (RFC 7636 §4.4.1).
 */
function requirePkce(request: AuthRequest): void {
  if (request.codeChallenge) return;
  throw new AuthorizationError("invalid_request", { description: "PKCE code_challenge (S256) is required", redirectUri: request.redirectUri, state: request.state || undefined, issuer: request.issuer });
}

oauthConsentRoutes.get("/oauth/authorize", async (c) => {
  const person = await signedInPerson(c);
  const url = new URL(c.req.url);
  if (!person) return c.redirect(`/?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
  try {
    const oauth = helpers(c);
    const request = await oauth.parseAuthRequest(c.req.raw);
    requirePkce(request);
    const details = await oauth.describeConsent(request);
    const consent = await oauth.beginConsent(request);
    consent.headers.set("content-type", "text/html; charset=utf-8");
    // The form's POST must carry this page's Origin for the CSRF check (no-referrer would send "null").
    consent.headers.set("referrer-policy", "same-origin");
    return new Response(consentPage(details, consent.handle, person.user.email), { headers: consent.headers });
  } catch (e) {
    return authorizationFailure(e);
  }
});

oauthConsentRoutes.post("/oauth/authorize", async (c) => {
  // A cookie-authenticated POST: authenticate() checks its Origin (CSRF), and the handle is bound to this browser.
  const person = await signedInPerson(c);
  if (!person) throw new AppError("E-AUTH-UNAUTH", "sign in first");
  const form = await c.req.raw.clone().formData().catch(() => null);
  if (!form) throw new AppError("E-VALIDATION", "expected the consent form", { fields: [{ path: "(body)", message: "form data" }] });
  const handle = String(form.get("handle") ?? "");
  const oauth = helpers(c);
  try {
    if (form.get("decision") !== "approve") {
      const denied = await oauth.denyConsent(c.req.raw, handle);
      denied.headers.set("location", denied.redirectTo);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    const chosen = form.getAll("scope").map(String).filter(isMcpOAuthScope);
    const approved = await oauth.approveConsent(c.req.raw, handle, { scope: chosen });
    const client = await oauth.lookupClient(approved.request.clientId);
    const db = c.get("db");
    const scopes = await grantScopesFor(db, person.userId, chosen);
    const name = `MCP: ${(client?.clientName || approved.request.clientId).slice(0, 80)}`;
    let props: { authorization: string | null; tokenId: string | null } = { authorization: null, tokenId: null };
    if (scopes.length) {
      const { token, row } = await issueApiToken(db, { userId: person.userId, serviceAccountId: null, name, scopes, expiresAt: expiryFrom(MCP_TOKEN_DAYS) });
      props = { authorization: `Bearer ${token}`, tokenId: row.id };
      await recordAudit(db, { actorId: person.userId, action: "auth.token_created", subjectId: row.id, ip: clientIp(c.req.raw), detail: { name, scopes, via: "mcp-oauth", client_id: approved.request.clientId } }, eventSink(c));
    }
    const { redirectTo } = await oauth.completeAuthorization({
      request: approved.request,
      userId: person.userId,
      metadata: { label: name, tokenId: props.tokenId },
      scope: approved.request.scope,
      props,
    });
    approved.headers.set("location", redirectTo);
    return new Response(null, { status: 302, headers: approved.headers });
  } catch (e) {
    return authorizationFailure(e);
  }
});
