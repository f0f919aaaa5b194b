import { CodeChallengeMethod, OAuth2Client } from "arctic";
import { z } from "zod";
import type { OAuthConfig } from "../oauth-config.ts";
import type { OAuthProvider, ProviderProfile } from "../provider-contract.ts";
import { discoverOidc } from "../oidc-discovery.ts";
import { providerFailure } from "../oauth-failure.ts";
import { verifyIdToken } from "../verify-id-token.ts";
import { exchangeCode, fetchProviderJson } from "./provider-http.ts";

/** Standard claims (OIDC Core §5.1). Some providers send email_verified as a string. */
const claimsSchema = z.object({
  email: z.string().max(254).optional().catch(undefined),
  email_verified: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).optional().catch(undefined),
  name: z.string().max(200).optional().catch(undefined),
  preferred_username: z.string().max(200).optional().catch(undefined),
});
const userinfoSchema = claimsSchema.extend({ sub: z.string() });

function toProfile(sub: string, claims: z.infer<typeof claimsSchema>): ProviderProfile {
  const email = claims.email ?? null;
  return { subject: sub, email, emailVerified: claims.email_verified === true && email !== null, name: claims.name ?? claims.preferred_username ?? null };
}

/**
 * A generic OpenID Connect provider (Keycloak, Authentik …): endpoints from discovery, the code
 * flow with S256 PKCE and a nonce through arctic's generic client, and the ID token validated
 * with jose against the provider's JWKS. Claims missing from the ID token are read from userinfo.
 */
export function oidcProvider(o: NonNullable<OAuthConfig["oidc"]>, redirectUri: string): OAuthProvider {
  const client = new OAuth2Client(o.clientId, o.clientSecret, redirectUri);
  return {
    id: "oidc",
    async authorizationUrl({ state, codeVerifier, nonce }) {
      const meta = await discoverOidc(o.issuer);
      const url = client.createAuthorizationURLWithPKCE(meta.authorization_endpoint, state, CodeChallengeMethod.S256, codeVerifier, ["openid", "email", "profile"]);
      url.searchParams.set("nonce", nonce);
      return url;
    },
    async profile(code, { codeVerifier, nonce }) {
      const meta = await discoverOidc(o.issuer);
      const { tokens, accessToken } = await exchangeCode(() => client.validateAuthorizationCode(meta.token_endpoint, code, codeVerifier));
      let idToken: string;
      try {
        idToken = tokens.idToken();
      } catch (e) {
        throw providerFailure("token response without an ID token", e);
      }
      const claims = await verifyIdToken(idToken, { issuer: o.issuer, clientId: o.clientId, jwksUri: meta.jwks_uri, nonce });
      const fromToken = claimsSchema.parse(claims);
      if (fromToken.email !== undefined || !meta.userinfo_endpoint) return toProfile(claims.sub, fromToken);
      const info = await fetchProviderJson(meta.userinfo_endpoint, accessToken, userinfoSchema);
      // OIDC Core §5.3.4: userinfo about someone else must not be used.
      if (info.sub !== claims.sub) throw providerFailure("userinfo sub differs from the ID token's");
      return toProfile(claims.sub, info);
    },
  };
}
