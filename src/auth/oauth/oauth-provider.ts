import { OAUTH_PROVIDER_LABELS, type OAuthProviderId } from "@anchorage/common";
import type { Config } from "../../config.ts";
import { googleProvider } from "./providers/google.ts";
import { githubProvider } from "./providers/github.ts";
import { discordProvider } from "./providers/discord.ts";
import { oidcProvider } from "./providers/oidc.ts";
import type { OAuthProvider } from "./provider-contract.ts";

/** Where each provider sends the browser back: registered with the provider, so on the canonical origin. */
export const redirectUri = (config: Config, id: OAuthProviderId) => `${config.issuer}/auth/${id}/callback`;

/** What the provider's button says: the fixed providers' names, OIDC_NAME for the OIDC provider. */
export const providerLabel = (config: Config, id: OAuthProviderId) => (id === "oidc" ? (config.oauth.oidc?.name ?? "OpenID Connect") : OAUTH_PROVIDER_LABELS[id]);

/** The provider `id` as this deployment configures it, or null when it is not configured. */
export function oauthProvider(config: Config, id: OAuthProviderId): OAuthProvider | null {
  const o = config.oauth;
  const back = redirectUri(config, id);
  switch (id) {
    case "google":
      return o.google && googleProvider(o.google, back);
    case "github":
      return o.github && githubProvider(o.github, back);
    case "discord":
      return o.discord && discordProvider(o.discord, back);
    case "oidc":
      return o.oidc && oidcProvider(o.oidc, back);
  }
}
