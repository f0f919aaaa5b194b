import { z } from "zod";
import type { OAuthProviderId } from "@anchorage/common";
import type { Env } from "../../../core/env.ts";

/** One provider's OAuth client, as registered with it. */
export type OAuthClientConfig = { clientId: string; clientSecret: string };

/** The providers this deployment offers; a provider is absent unless its id and secret are both set. */
export type OAuthConfig = {
  google: OAuthClientConfig | null;
  discord: OAuthClientConfig | null;
  github: OAuthClientConfig | null;
  /** A generic OpenID Connect provider (Keycloak, Authentik …) found by its issuer URL; `name` labels its button. */
  oidc: (OAuthClientConfig & { issuer: string; name: string }) | null;
};

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The issuer as OpenID Connect Discovery §4 uses it: `<issuer>/.well-known/openid-configuration`,
 * and the `iss` every ID token must carry, compared as a string. So it is kept exactly as given
 * (a trailing slash matters to some providers), only checked. Production needs https: the ID
 * token's signing keys come from there. Plain http is for a provider on the same machine.
 */
const issuerSchema = (production: boolean) =>
  z.url().refine((raw) => {
    const u = new URL(raw);
    return u.protocol === "https:" || (u.protocol === "http:" && (!production || LOOPBACK.has(u.hostname)));
  }, "must be an https URL (http only for a provider on loopback)");

const trimmed = z.string().trim().min(1).max(500);

/** Reads the providers' settings; the caller turns a failure into E-CONFIG naming the setting. */
export function oauthConfigSchema(production: boolean) {
  return z.object({
    GOOGLE_CLIENT_ID: trimmed.optional(),
    GOOGLE_CLIENT_SECRET: trimmed.optional(),
    DISCORD_CLIENT_ID: trimmed.optional(),
    DISCORD_CLIENT_SECRET: trimmed.optional(),
    GITHUB_CLIENT_ID: trimmed.optional(),
    GITHUB_CLIENT_SECRET: trimmed.optional(),
    OIDC_ISSUER: issuerSchema(production).optional(),
    OIDC_CLIENT_ID: trimmed.optional(),
    OIDC_CLIENT_SECRET: trimmed.optional(),
    OIDC_NAME: z.string().trim().min(1).max(60).optional(),
  });
}

/** The raw values, empty strings as unset (wrangler passes an unset --var as ""). */
export function oauthConfigInput(env: Env) {
  return {
    GOOGLE_CLIENT_ID: env.GOOGLE_CLIENT_ID || undefined,
    GOOGLE_CLIENT_SECRET: env.GOOGLE_CLIENT_SECRET || undefined,
    DISCORD_CLIENT_ID: env.DISCORD_CLIENT_ID || undefined,
    DISCORD_CLIENT_SECRET: env.DISCORD_CLIENT_SECRET || undefined,
    GITHUB_CLIENT_ID: env.GITHUB_CLIENT_ID || undefined,
    GITHUB_CLIENT_SECRET: env.GITHUB_CLIENT_SECRET || undefined,
    OIDC_ISSUER: env.OIDC_ISSUER || undefined,
    OIDC_CLIENT_ID: env.OIDC_CLIENT_ID || undefined,
    OIDC_CLIENT_SECRET: env.OIDC_CLIENT_SECRET || undefined,
    OIDC_NAME: env.OIDC_NAME || undefined,
  };
}

const client = (id: string | undefined, secret: string | undefined): OAuthClientConfig | null =>
  id && secret ? { clientId: id, clientSecret: secret } : null;

export function toOAuthConfig(c: z.infer<ReturnType<typeof oauthConfigSchema>>): OAuthConfig {
  const oidc = client(c.OIDC_CLIENT_ID, c.OIDC_CLIENT_SECRET);
  return {
    google: client(c.GOOGLE_CLIENT_ID, c.GOOGLE_CLIENT_SECRET),
    discord: client(c.DISCORD_CLIENT_ID, c.DISCORD_CLIENT_SECRET),
    github: client(c.GITHUB_CLIENT_ID, c.GITHUB_CLIENT_SECRET),
    oidc: oidc && c.OIDC_ISSUER ? { ...oidc, issuer: c.OIDC_ISSUER, name: c.OIDC_NAME ?? "OpenID Connect" } : null,
  };
}

/** The configured providers, in the order the dashboard shows them. */
export function configuredProviders(o: OAuthConfig): OAuthProviderId[] {
  return (["google", "github", "discord", "oidc"] as const).filter((id) => o[id] !== null);
}
