import { CodeChallengeMethod, OAuth2Client } from "arctic";
import { z } from "zod";
import type { OAuthClientConfig } from "../oauth-config.ts";
import type { OAuthProvider } from "../provider-contract.ts";
import { exchangeCode, fetchProviderJson } from "./provider-http.ts";

const AUTHORIZE = "https://github.com/login/oauth/authorize";
const TOKEN = "https://github.com/login/oauth/access_token";
const USER = "https://api.github.com/user";
/** Every address on the account with its verification (needs `user:email`); /user's `email` is only the public one. */
const EMAILS = "https://api.github.com/user/emails";

const userSchema = z.object({ id: z.number().int(), login: z.string().max(100), name: z.string().max(200).nullish() });
const emailsSchema = z.array(z.object({ email: z.string().max(254), primary: z.boolean(), verified: z.boolean() }));

/**
 * GitHub through arctic's generic client: arctic's GitHub class sends no PKCE, and GitHub takes
 * S256 PKCE on its OAuth apps, so we send it. The email is the primary one, trusted only when verified.
 */
export function githubProvider(client: OAuthClientConfig, redirectUri: string): OAuthProvider {
  const github = new OAuth2Client(client.clientId, client.clientSecret, redirectUri);
  return {
    id: "github",
    authorizationUrl: async ({ state, codeVerifier }) =>
      github.createAuthorizationURLWithPKCE(AUTHORIZE, state, CodeChallengeMethod.S256, codeVerifier, ["read:user", "user:email"]),
    async profile(code, { codeVerifier }) {
      const { accessToken } = await exchangeCode(() => github.validateAuthorizationCode(TOKEN, code, codeVerifier));
      const [user, emails] = await Promise.all([fetchProviderJson(USER, accessToken, userSchema), fetchProviderJson(EMAILS, accessToken, emailsSchema)]);
      const primary = emails.find((e) => e.primary);
      return { subject: String(user.id), email: primary?.email ?? null, emailVerified: primary?.verified === true, name: user.name ?? user.login };
    },
  };
}
