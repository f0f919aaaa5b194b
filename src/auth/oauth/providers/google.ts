import { Google } from "arctic";
import { z } from "zod";
import type { OAuthClientConfig } from "../oauth-config.ts";
import type { OAuthProvider } from "../provider-contract.ts";
import { exchangeCode, fetchProviderJson } from "./provider-http.ts";

/** Google's OpenID Connect userinfo (https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo). */
const USERINFO = "https://openidconnect.googleapis.com/v1/userinfo";
const userinfoSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().max(254).optional(),
  email_verified: z.boolean().optional(),
  name: z.string().max(200).optional(),
});

/** Google, through arctic (authorization code with S256 PKCE); the profile from its userinfo endpoint. */
export function googleProvider(client: OAuthClientConfig, redirectUri: string): OAuthProvider {
  const google = new Google(client.clientId, client.clientSecret, redirectUri);
  return {
    id: "google",
    authorizationUrl: async ({ state, codeVerifier }) => google.createAuthorizationURL(state, codeVerifier, ["openid", "email", "profile"]),
    async profile(code, { codeVerifier }) {
      const { accessToken } = await exchangeCode(() => google.validateAuthorizationCode(code, codeVerifier));
      const info = await fetchProviderJson(USERINFO, accessToken, userinfoSchema);
      return { subject: info.sub, email: info.email ?? null, emailVerified: info.email_verified === true && !!info.email, name: info.name ?? null };
    },
  };
}
