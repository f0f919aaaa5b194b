import { Discord } from "arctic";
import { z } from "zod";
import type { OAuthClientConfig } from "../oauth-config.ts";
import type { OAuthProvider } from "../provider-contract.ts";
import { exchangeCode, fetchProviderJson } from "./provider-http.ts";

/** The signed-in user (https://discord.com/developers/docs/resources/user#get-current-user); `email` needs the `email` scope. */
const ME = "https://discord.com/api/users/@me";
const meSchema = z.object({
  id: z.string().min(1).max(64),
  username: z.string().max(100),
  global_name: z.string().max(100).nullish(),
  email: z.string().max(254).nullish(),
  // Whether the email on the account has been verified.
  verified: z.boolean().optional(),
});

/** Discord, through arctic (authorization code with S256 PKCE); the profile from /users/@me. */
export function discordProvider(client: OAuthClientConfig, redirectUri: string): OAuthProvider {
  const discord = new Discord(client.clientId, client.clientSecret, redirectUri);
  return {
    id: "discord",
    authorizationUrl: async ({ state, codeVerifier }) => discord.createAuthorizationURL(state, codeVerifier, ["identify", "email"]),
    async profile(code, { codeVerifier }) {
      const { accessToken } = await exchangeCode(() => discord.validateAuthorizationCode(code, codeVerifier));
      const me = await fetchProviderJson(ME, accessToken, meSchema);
      return { subject: me.id, email: me.email ?? null, emailVerified: me.verified === true && !!me.email, name: me.global_name ?? me.username };
    },
  };
}
